"""Ctrl-C, as a terminal sends it: SIGINT to the whole process group, the command line's
worker processes included. One line and exit code 130, never a traceback from any process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

FIXTURES = Path(__file__).parents[2] / "fixtures"
ROWS = 1_000_000  # enough metadata for the check to start its worker processes
WAIT = 60.0  # seconds for the workers to appear


@pytest.fixture(scope="module")
def heavy_metadata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("heavy")
    vectors = np.random.default_rng(5).random((ROWS, 4), dtype=np.float32) + 0.5
    table = pa.table(
        {
            "id": pa.array([f"r{i}" for i in range(ROWS)]),
            "values": pa.FixedSizeListArray.from_arrays(vectors.ravel(), 4).cast(
                pa.list_(pa.float32())
            ),
            "metadata": pa.array([f'{{"n": {i}, "tag": "t{i % 7}"}}' for i in range(ROWS)]),
        }
    )
    (root / "ns").mkdir()
    for half in range(2):
        part = table.slice(half * ROWS // 2, ROWS // 2)
        pq.write_table(part, root / "ns" / f"part-{half}.parquet", row_group_size=100_000)
    return root


def start(*argv: str) -> subprocess.Popen[str]:
    """`pinecone-prep argv` in a process group of its own (as a shell runs a job)."""
    return subprocess.Popen(
        [sys.executable, "-m", "pinecone_prep", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def interrupt(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    os.killpg(process.pid, signal.SIGINT)  # the whole group, as Ctrl-C does
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def test_ctrl_c_while_worker_processes_run(heavy_metadata: Path) -> None:
    process = start("check", str(heavy_metadata))
    deadline = time.monotonic() + WAIT
    while len(children(process.pid)) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the check ended before its workers started"
        time.sleep(0.05)
    assert len(children(process.pid)) >= 2, "no worker processes started"
    time.sleep(0.5)  # the workers are importing the package or parsing metadata
    assert process.poll() is None, "the check ended before the interrupt"
    code, out, err = interrupt(process)
    assert code == 130, err
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err, err


# A Ctrl-C while the command line is being imported: SIGINT raises KeyboardInterrupt wherever
# the main thread is. A 1 ms timer raising it lands inside the import of the command line
# (tens of ms) every time, where a signal sent from outside would race the start-up.
INTERRUPTED_IMPORT = """
import signal, sys
import pinecone_prep.__main__ as entry

def ctrl_c(*_):
    raise KeyboardInterrupt

signal.signal(signal.SIGALRM, ctrl_c)
sys.argv = ["pinecone-prep", *sys.argv[1:]]
signal.setitimer(signal.ITIMER_REAL, 0.001)
entry.run()
"""


@pytest.mark.parametrize("form", ["text", "json"])
def test_ctrl_c_during_start_up(form: str) -> None:
    argv = ["check", str(FIXTURES / "valid"), "--format", form]
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IMPORT, *argv], capture_output=True, text=True
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == "interrupted\n"
    if form == "json":
        assert json.loads(done.stdout)["error"] == {
            "kind": "interrupted",
            "message": "interrupted",
            "exit_code": 130,
        }

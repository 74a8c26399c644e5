"""A failing store, seen through the CLI: S3 (moto) behind the fault proxy answering 503
SlowDown or 500, dropping connections or stalling. A fault that passes is retried to the same
result; one that persists is exit 3 with one line naming the object, never F001 or an internal
error, never a hang past the timeouts, never a partial object under the root. And local
special files: a FIFO under a prefix is reported, never opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp
from pinecone_prep._storage import Store
from pinecone_prep._storage.options import S3_CONFIG, S3FS_RETRIES
from pinecone_prep._storage.streams import BODY_BACKOFF, BODY_RETRIES
from tests.support.cli import run, storage_args
from tests.support.endpoints import StoragePrefix, s3_storage_options, upload
from tests.support.fault_proxy import FaultProxy

FIXTURES = Path(__file__).parents[2] / "fixtures"
REPO = Path(__file__).parents[2]
FAST = {"connect_timeout": 0.5, "read_timeout": 0.5}  # the stall tests' timeouts, in seconds
# botocore's standard mode sleeps at most 1 s, then 2 s, before its second and third attempts.
BACKOFF_BOUND = 3.0


def assert_storage_error(code: int, out: str, err: str, *names: str) -> str:
    """Exit 3, one line on stderr naming the object, nothing that reads as bad data."""
    text = out + err
    assert code == 3, text
    lines = err.strip().splitlines()
    assert len(lines) == 1, text
    assert "F001" not in text and "not readable Parquet" not in text and "Traceback" not in text
    assert all(name in lines[0] for name in names), lines[0]
    return lines[0]


@pytest.fixture
def one_file(s3_prefix: StoragePrefix) -> StoragePrefix:
    data = (FIXTURES / "valid" / "__default__" / "part-0000.parquet").read_bytes()
    s3_prefix.fs.pipe_file(s3_prefix.join("__default__/part-0000.parquet"), data)
    return s3_prefix


# --- reads: check and plan ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "action"),
    [
        ("check", "503"),
        ("plan", "503"),
        ("check", "500"),
        ("plan", "drop"),
        ("check", "drop-mid-body"),
    ],
)
def test_a_read_that_keeps_failing_is_exit_3_after_retries(
    one_file: StoragePrefix,
    fault_proxy: FaultProxy,
    capsys: pytest.CaptureFixture[str],
    command: str,
    action: str,
) -> None:
    fault_proxy.add(action, method="GET", ranged=True, times=None)
    argv = storage_args(fault_proxy.storage_options())
    code, out, err = run(capsys, command, one_file.url, *argv)
    assert_storage_error(
        code, out, err, "cannot read", f"{one_file.url}/__default__/part-0000.parquet"
    )
    assert fault_proxy.fired(action) >= 2  # retried before giving up


@pytest.mark.parametrize("action", ["503", "500", "drop", "drop-mid-body"])
def test_a_fault_that_passes_is_retried_to_the_same_report(
    s3_prefix: StoragePrefix,
    fault_proxy: FaultProxy,
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    upload(s3_prefix, FIXTURES / "cases" / "R005-files")
    argv = [*storage_args(fault_proxy.storage_options()), "--format", "json"]
    code, clean, _ = run(capsys, "check", s3_prefix.url, *argv)
    assert code == 1  # the case's duplicate ids, found on every read
    fault_proxy.add(action, method="GET", ranged=True, times=2)
    code, faulty, err = run(capsys, "check", s3_prefix.url, *argv)
    assert fault_proxy.fired(action) == 2
    assert code == 1, err
    assert json.loads(faulty) == json.loads(clean)


def test_the_callers_retry_settings_win(
    one_file: StoragePrefix, fault_proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    """One attempt asked for: one 503 fails the run (the defaults retry it, above)."""
    fault_proxy.add("503", method="GET", ranged=True, times=1)
    options = fault_proxy.storage_options(retries={"total_max_attempts": 1})
    code, out, err = run(capsys, "plan", one_file.url, *storage_args(options))
    assert_storage_error(code, out, err, "cannot read", "reduce your request rate")
    assert fault_proxy.fired() == 1


def test_defaults_fill_only_what_the_caller_left_out(s3_server: str) -> None:
    options = s3_storage_options(s3_server)
    options["config_kwargs"] = {"read_timeout": 7}
    store = Store("s3://bucket/p", options)
    assert store.fs.config_kwargs == {**S3_CONFIG, "read_timeout": 7}
    assert store.fs.retries == S3FS_RETRIES
    assert options["config_kwargs"] == {"read_timeout": 7}  # the caller's dict is not changed
    kept = Store("s3://bucket/p", s3_storage_options(s3_server))
    assert kept.fs.config_kwargs["retries"] == {"total_max_attempts": 1}


@pytest.mark.parametrize("command", ["check", "plan"])
def test_a_get_that_never_answers_fails_within_the_timeouts(
    one_file: StoragePrefix,
    fault_proxy: FaultProxy,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    fault_proxy.add("stall", method="GET", ranged=True, times=None, seconds=60)
    options = fault_proxy.storage_options(**FAST)
    start = time.monotonic()
    code, out, err = run(capsys, command, one_file.url, *storage_args(options))
    elapsed = time.monotonic() - start
    line = assert_storage_error(code, out, err, f"{one_file.url}/__default__/part-0000.parquet")
    assert "timeout" in line.lower()
    attempts = S3_CONFIG["retries"]["total_max_attempts"]  # type: ignore[index]
    assert fault_proxy.fired("stall") == attempts
    assert elapsed < attempts * FAST["read_timeout"] + BACKOFF_BOUND + 2, elapsed


def test_a_body_cut_midway_is_read_again_within_its_budget(
    one_file: StoragePrefix, fault_proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    fault_proxy.add("drop-mid-body", method="GET", ranged=True, times=BODY_RETRIES)
    argv = storage_args(fault_proxy.storage_options())
    assert run(capsys, "plan", one_file.url, *argv)[0] == 0
    fault_proxy.clear()
    fault_proxy.add("drop-mid-body", method="GET", ranged=True, times=None)
    start = time.monotonic()
    code, out, err = run(capsys, "plan", one_file.url, *argv)
    assert_storage_error(code, out, err, "Response payload is not completed")
    assert fault_proxy.fired() == BODY_RETRIES + 1
    assert time.monotonic() - start < BODY_BACKOFF * 2 ** (BODY_RETRIES + 1) + 2


def test_a_failure_while_duplicates_are_confirmed_is_exit_3(
    s3_prefix: StoragePrefix, fault_proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last ranged reads of a check re-read the candidate duplicates: each of them failing
    is a storage error, as any other read (it was an internal error, exit 4)."""
    upload(s3_prefix, FIXTURES / "cases" / "R005-files")
    argv = storage_args(fault_proxy.storage_options(retries={"total_max_attempts": 1}))
    assert run(capsys, "check", s3_prefix.url, *argv)[0] == 1
    reads = sum(1 for hit in fault_proxy.hits if hit.ranged)
    for after in range(reads - 3, reads):
        fault_proxy.clear()
        fault_proxy.add("500", method="GET", ranged=True, times=None, after=after)
        code, out, err = run(capsys, "check", s3_prefix.url, *argv)
        assert fault_proxy.fired() > 0
        assert_storage_error(code, out, err, "cannot read", "internal error")


# --- writes: convert ---------------------------------------------------------------------------


def objects_under(prefix: StoragePrefix) -> dict[str, bytes]:
    prefix.fs.invalidate_cache()
    return {path: prefix.fs.cat_file(path) for path in prefix.fs.find(prefix.path)}


def convert(
    capsys: pytest.CaptureFixture[str], proxy: FaultProxy, root: str, **config: Any
) -> tuple[int, str, str]:
    source = str(FIXTURES / "valid" / "articles")
    argv = storage_args(proxy.storage_options(**config))
    return run(capsys, "convert", source, "--to", root, "--namespace", "a", *argv)


@pytest.mark.parametrize("action", ["503", "drop"])
def test_a_write_through_passing_faults_succeeds(
    s3_prefix: StoragePrefix,
    fault_proxy: FaultProxy,
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    fault_proxy.add(action, method="PUT", times=2)
    code, _, err = convert(capsys, fault_proxy, s3_prefix.url)
    assert code == 0, err
    assert fault_proxy.fired(action) == 2
    report = pp.check(s3_prefix.url, storage_options=s3_prefix.storage_options)
    assert report.valid and report.summary.records == 15


def test_a_write_that_keeps_failing_leaves_no_partial_object(
    s3_prefix: StoragePrefix, fault_proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every PUT from the k-th on answers 500 (the temporary file, the pending manifest, the
    publishing copy, the final manifest): exit 3, and what is left under the root is whole
    objects only, which `check` reads as an unfinished write, never as valid data."""
    assert convert(capsys, fault_proxy, f"{s3_prefix.url}/clean")[0] == 0
    puts = sum(1 for hit in fault_proxy.hits if hit.method == "PUT")
    for after in range(puts):
        root = f"{s3_prefix.url}/after-{after}"
        fault_proxy.clear()
        fault_proxy.add("500", method="PUT", times=None, after=after)
        code, out, err = convert(capsys, fault_proxy, root, retries={"total_max_attempts": 1})
        assert_storage_error(code, out, err, "cannot", "internal error")
        left = {k for k in objects_under(s3_prefix) if f"/after-{after}/" in k}
        assert not [k for k in left if k.endswith(".partial") or "_pinecone_prep_tmp" in k]
        for key in (k for k in left if k.endswith(".parquet")):
            with s3_prefix.fs.open(key, "rb") as handle:
                assert pq.ParquetFile(handle).metadata.num_rows == 15
        report = pp.check(root, storage_options=s3_prefix.storage_options)
        assert not report.valid  # nothing at all (L002), or F004: a write stopped midway
        assert set(report.summary.by_code) & {"L002", "F004"}


def test_a_write_that_stalls_fails_within_the_timeouts(
    s3_prefix: StoragePrefix, fault_proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    fault_proxy.add("stall", method="PUT", times=None, seconds=60)
    start = time.monotonic()
    code, out, err = convert(capsys, fault_proxy, s3_prefix.url, **FAST)
    elapsed = time.monotonic() - start
    line = assert_storage_error(code, out, err, "cannot", s3_prefix.url)  # the first PUT: the lock
    assert "timeout" in line.lower()
    attempts = S3_CONFIG["retries"]["total_max_attempts"]  # type: ignore[index]
    assert fault_proxy.fired("stall") == attempts
    assert elapsed < attempts * FAST["read_timeout"] + BACKOFF_BOUND + 3, elapsed
    assert not objects_under(s3_prefix)


# --- local special files -----------------------------------------------------------------------


def test_a_fifo_under_a_prefix_is_reported_not_opened(tmp_path: Path) -> None:
    """A FIFO blocks whoever opens it until a writer comes: only regular files are read. Run
    in a child process, so that a regression times out instead of hanging the suite."""
    root = tmp_path / "root"
    (root / "ns").mkdir(parents=True)
    (root / "ns" / "a.parquet").write_bytes(
        (FIXTURES / "valid/__default__/part-0000.parquet").read_bytes()
    )
    os.mkfifo(root / "ns" / "b.parquet")
    for command in ("check", "plan"):
        done = subprocess.run(
            [sys.executable, "-m", "pinecone_prep", command, str(root), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        findings = json.loads(done.stdout)["findings"]
        [fifo] = [f for f in findings if f["code"] == "F001"]
        assert fifo["location"]["uri"].endswith("ns/b.parquet")
        assert "not a regular file (a FIFO)" in fifo["message"]


def test_a_fifo_input_to_convert_is_refused_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "in.parquet"
    os.mkfifo(fifo)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pinecone_prep",
            "convert",
            str(fifo),
            "--to",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 1, done.stderr
    text = done.stdout + done.stderr
    assert "not a regular file (a FIFO)" in text and "Traceback" not in text
    assert not (tmp_path / "out").exists()

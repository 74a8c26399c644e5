"""The engine-neutral glue: the kind and dimension fixed from a sample (`distributed.probe`),
usage and data errors of a task carried to the driver as values, and the engines imported
only when used."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import pinecone_prep as pp
from pinecone_prep import distributed as dist
from pinecone_prep._engines import WriteSpec, publish_staged, shares, stage_partition
from tests.support.engine_cases import FIXTURES, planted


def test_probe_fixes_kind_and_dimension_from_the_first_vector() -> None:
    df = planted(20)
    df.at[0, "values"] = None  # the dimension comes from the first vector there is
    df.at[1, "values"] = [0.5] * 3
    assert dist.probe(df) == ("dense", 3)
    assert dist.probe(df, kind="hybrid", dimension=8) == ("hybrid", 8)  # given: kept
    assert dist.probe(str(FIXTURES / "valid-sparse")) == ("sparse", None)
    assert dist.probe([]) == (None, None)  # no rows: nothing to fix


def test_probe_checks_the_options_against_the_sample() -> None:
    with pytest.raises(pp.UsageError, match="no namespace column 'tenant'"):
        dist.probe(planted(20), namespace_column="tenant")
    with pytest.raises(pp.UsageError, match="no vector column"):
        dist.probe(planted(20).drop(columns="values"))
    with pytest.raises(pp.UsageError, match="dimension"):
        dist.probe([], dimension=0)


def test_the_spec_is_checked_before_any_task(tmp_path: Path) -> None:
    with pytest.raises(pp.UsageError, match="quarantine_uri needs"):
        WriteSpec(quarantine_uri=str(tmp_path / "q")).fixed(lambda: [])
    with pytest.raises(pp.UsageError, match="on_invalid"):
        WriteSpec(on_invalid="drop").fixed(lambda: [])  # type: ignore[arg-type]
    with pytest.raises(pp.UsageError, match="files_per_task"):
        shares(["a"], 0, "files_per_task")
    assert shares(["a", "b", "c"], 2, "n") == [["a", "b"], ["c"]]


def test_task_errors_reach_the_driver_as_values(tmp_path: Path) -> None:
    """A task returns usage and data errors (an engine would retry an exception); they pickle
    and are raised on the driver, in partition order."""
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not parquet PAR1")
    spec = WriteSpec(dimension=8, kind="dense")
    root = str(tmp_path / "out")
    with dist.write_job(root) as job:
        unreadable = stage_partition([str(bad)], 2, root=root, job=job, spec=spec)
        no_ids = stage_partition(planted(9).drop(columns="id"), 1, root=root, job=job, spec=spec)
        good = stage_partition(planted(9), 0, root=root, job=job, spec=spec)
        results = [pickle.loads(pickle.dumps(r)) for r in (unreadable, no_ids, good)]
        with pytest.raises(pp.UsageError, match="no id column"):
            publish_staged(root, results, spec)
        with pytest.raises(pp.ValidationError) as info:
            publish_staged(root, [results[0], results[2]], spec)
        assert info.value.report.summary.by_code == {"F001": 1}


def test_engines_are_imported_only_when_used() -> None:
    program = (
        "import sys, pinecone_prep, pinecone_prep.dask, pinecone_prep.spark\n"
        "pinecone_prep.distributed\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('dask', 'distributed', 'pyspark', 'py4j')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
    light = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pinecone_prep; print('pinecone_prep.dask' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert light.stdout.strip() == "False"

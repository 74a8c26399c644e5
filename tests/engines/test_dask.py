"""pinecone_prep.dask on a LocalCluster of two worker processes: the published root equals a
single-process write (local disk and moto S3), the distributed check equals `check`, tasks
that die after staging leave each record once, and a failed job leaves nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dask.dataframe as dd
import pandas as pd
import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp
from pinecone_prep import dask as ppd
from pinecone_prep._engines import WriteSpec
from tests.support.endpoints import StoragePrefix
from tests.support.engine_cases import (
    CHECK_CASES,
    DOCUMENT_SCHEMA,
    FIXTURES,
    PARTS,
    document_prefixes,
    failing,
    objects,
    planted,
    rejected,
    stored_rows,
    verdict,
)


def target(where: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, Any]:
    """A fresh root on local disk or on moto S3, and its storage options."""
    if where == "local":
        return str(tmp_path / "out"), None
    prefix: StoragePrefix = request.getfixturevalue("s3_prefix")
    return prefix.url + "/out", prefix.storage_options


def frame(df: pd.DataFrame) -> Any:
    return dd.from_pandas(df, npartitions=PARTS, sort=False)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_write_equals_one_process_write(
    where: str, tmp_path: Path, request: pytest.FixtureRequest, dask_client: Any
) -> None:
    root, options = target(where, tmp_path, request)
    df = planted()
    seen: list[tuple[int, int]] = []
    many = ppd.write(
        frame(df),
        root,
        namespace_column="ns",
        on_invalid="skip",
        storage_options=options,
        progress=lambda done, total: seen.append((done, total)),
    )
    one = pp.write(df, str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert rejected(many) == rejected(one)
    assert sorted({c for _, codes in rejected(many) for c in codes}) == ["R002", "R005", "R014"]
    assert {row.part for row in many.rejected} == {"00001", "00002", "00003"}
    assert many.records == one.records == len(df) - 11
    assert stored_rows(root, options) == stored_rows(str(tmp_path / "one"))
    assert verdict(root, options)[1:] == verdict(str(tmp_path / "one"))[1:]
    assert not any(k.startswith("_pinecone_prep_tmp") for k in objects(root, options))
    assert "a/part-00000-00000.parquet" in objects(root, options)
    assert seen[-1] == (PARTS, PARTS)


def test_rows_rejected_raise_on_the_client_and_nothing_is_published(
    tmp_path: Path, dask_client: Any
) -> None:
    root = str(tmp_path / "out")
    with pytest.raises(pp.RowsRejected) as info:
        ppd.write(frame(planted()), root, namespace_column="ns")
    assert {row.part for row in info.value.rejected} == {"00001", "00002", "00003"}
    assert info.value.report.summary.rows_rejected == 11
    assert objects(root) == []


@pytest.mark.parametrize("where", ["local", "s3"])
def test_convert_reads_the_files_in_the_tasks(
    where: str, tmp_path: Path, request: pytest.FixtureRequest, dask_client: Any
) -> None:
    root, options = target(where, tmp_path, request)
    df = planted()
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(5):  # 400 rows per file
        df.iloc[i * 400 : (i + 1) * 400].to_parquet(inputs / f"in-{i}.parquet")
    many = ppd.convert(
        str(inputs),
        root,
        namespace_column="ns",
        on_invalid="skip",
        files_per_task=2,
        storage_options=options,
    )
    one = pp.write(str(inputs), str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert rejected(many) == rejected(one) and many.records == one.records
    assert stored_rows(root, options) == stored_rows(str(tmp_path / "one"))
    assert {row.part for row in many.rejected} == {"00000", "00001"}
    assert {k.split("-")[1] for k in objects(root, options) if k.startswith("a/")} == {
        "00000",
        "00001",
        "00002",  # 5 files, 2 per task
    }
    assert all(row.source.endswith(".parquet") for row in many.rejected)


def test_errors_in_tasks_are_raised_on_the_client_not_retried(
    tmp_path: Path, dask_client: Any
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    planted(400).to_parquet(inputs / "a.parquet")
    planted(400).rename(columns={"id": "key"}).to_parquet(inputs / "b.parquet")
    with pytest.raises(pp.UsageError, match="no id column 'id'"):
        ppd.convert(str(inputs), str(tmp_path / "out"), namespace_column="ns", retries=3)
    (inputs / "b.parquet").write_bytes(b"PAR1 not a parquet file PAR1")
    with pytest.raises(pp.ValidationError) as info:
        ppd.convert(str(inputs), str(tmp_path / "out"), namespace_column="ns")
    assert info.value.report.summary.by_code == {"F001": 1}
    assert objects(str(tmp_path / "out")) == []


@pytest.mark.parametrize("case", CHECK_CASES)
def test_check_equals_check(case: str, dask_client: Any) -> None:
    uri = str(FIXTURES / case)
    whole = pp.check(uri, max_examples=None)
    report = ppd.check(uri, max_examples=None, files_per_task=2)
    assert report.findings == whole.findings
    assert report.summary == whole.summary


def test_a_check_of_json_lines_equals_check(tmp_path: Path, dask_client: Any) -> None:
    for uri in document_prefixes(tmp_path):
        whole = pp.check(uri, schema=DOCUMENT_SCHEMA, max_examples=None)
        report = ppd.check(uri, schema=DOCUMENT_SCHEMA, max_examples=None, files_per_task=2)
        assert report.findings == whole.findings, uri
        assert report.summary == whole.summary, uri
    assert "R005" in {f.code for f in whole.findings}  # the last: a file twice


@pytest.mark.parametrize("how", ["raise", "exit"])
def test_a_task_lost_after_staging_is_retried_and_each_record_written_once(
    how: str, tmp_path: Path, dask_client: Any
) -> None:
    marker = tmp_path / "first-attempt"
    root = str(tmp_path / "out")
    df = planted()
    spec = WriteSpec(namespace_column="ns", on_invalid="skip", stage=failing(how, marker))
    # "raise" needs a retry; a worker that exits has its tasks rerun by the scheduler.
    result = ppd._write_frame(frame(df), root, spec, client=dask_client, retries=1, progress=None)
    assert marker.exists()  # the first attempt staged, then died
    one = pp.write(df, str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert result.records == one.records
    assert stored_rows(root) == stored_rows(str(tmp_path / "one"))
    assert not any(k.startswith("_pinecone_prep_tmp") for k in objects(root))


def test_a_failed_job_leaves_nothing_under_the_root(tmp_path: Path, dask_client: Any) -> None:
    root = str(tmp_path / "out")
    spec = WriteSpec(namespace_column="ns", stage=failing("raise"))
    with pytest.raises(RuntimeError, match="partition 00001 was lost"):
        ppd._write_frame(frame(planted()), root, spec, client=dask_client, retries=1, progress=None)
    assert objects(root) == []
    pp.write(planted(400), root, namespace_column="ns", on_invalid="skip")  # the lock is free


def test_a_crash_between_pending_and_complete_resumes(tmp_path: Path, dask_client: Any) -> None:
    root = tmp_path / "out"
    root.mkdir()
    (root / "b").write_text("a file where the folder b must go: the moves into b/ fail")
    df = planted()
    with pytest.raises(pp.StorageError):
        ppd.write(frame(df), str(root), namespace_column="ns", on_invalid="skip")
    manifest = (root / "_pinecone_prep_manifest.json").read_text()
    assert '"pending"' in manifest and list(root.glob("a/*.parquet"))  # stopped half-way
    assert verdict(str(root))[1] != ()  # check says the write is unfinished
    (root / "b").unlink()
    result = ppd.write(frame(df), str(root), namespace_column="ns", on_invalid="skip")
    one = pp.write(df, str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert result.records == one.records
    assert stored_rows(str(root)) == stored_rows(str(tmp_path / "one"))
    assert verdict(str(root))[1:] == verdict(str(tmp_path / "one"))[1:]


def test_empty_partitions_and_quarantine(tmp_path: Path, dask_client: Any) -> None:
    """The sample comes from the first non-empty partition; empty ones stage nothing; the
    rejected rows of every partition are quarantined, one file set per partition."""
    from dask import delayed

    df = planted()
    pieces = [df.iloc[0:0], df.iloc[:1000], df.iloc[0:0], df.iloc[1000:]]
    ddf = dd.from_delayed([delayed(p) for p in pieces], meta=df.iloc[0:0])
    root, quarantine = tmp_path / "out", tmp_path / "rejected"
    result = ppd.write(
        ddf,
        str(root),
        namespace_column="ns",
        on_invalid="quarantine",
        quarantine_uri=str(quarantine),
    )
    one = pp.write(df, str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert stored_rows(str(root)) == stored_rows(str(tmp_path / "one"))
    assert {row.part for row in result.rejected} == {"00001", "00003"}
    assert {p.name.split("-")[1] for p in quarantine.glob("*.parquet")} >= {"00001"}
    kept = sum(pq.ParquetFile(p).metadata.num_rows for p in quarantine.glob("*.parquet"))
    assert kept == len(result.rejected) == len(one.rejected)

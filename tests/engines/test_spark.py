"""pinecone_prep.spark on one `local[2,2]` session: the published root equals a single-process
write (local disk and moto S3), the distributed check equals `check`, a task whose Python
worker dies after staging leaves each record once, and a failed job leaves nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import pinecone_prep as pp
from pinecone_prep import spark as pps
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

# pyspark 4.3 warns on every pandas-backed call that it is not yet tested with pandas 3.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")
SCHEMA = "id string, values array<float>, metadata string, ns string"


def target(where: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, Any]:
    """A fresh root on local disk or on moto S3, and its storage options."""
    if where == "local":
        return str(tmp_path / "out"), None
    prefix: StoragePrefix = request.getfixturevalue("s3_prefix")
    return prefix.url + "/out", prefix.storage_options


def frame(spark: Any, df: pd.DataFrame) -> Any:
    """The rows in PARTS partitions of consecutive rows, in order."""
    out = spark.createDataFrame(df, SCHEMA)
    assert out.rdd.getNumPartitions() == PARTS
    return out


@pytest.mark.parametrize("where", ["local", "s3"])
def test_write_equals_one_process_write(
    where: str, tmp_path: Path, request: pytest.FixtureRequest, spark: Any
) -> None:
    root, options = target(where, tmp_path, request)
    df = planted()
    seen: list[tuple[int, int]] = []
    many = pps.write(
        frame(spark, df),
        root,
        namespace_column="ns",
        on_invalid="skip",
        storage_options=options,
        progress=lambda done, total: seen.append((done, total)),
    )
    one = pp.write(df, str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert rejected(many) == rejected(one)
    assert {row.part for row in many.rejected} == {"00001", "00002", "00003"}
    assert many.records == one.records == len(df) - 11
    assert stored_rows(root, options) == stored_rows(str(tmp_path / "one"))
    assert verdict(root, options)[1:] == verdict(str(tmp_path / "one"))[1:]
    assert not any(k.startswith("_pinecone_prep_tmp") for k in objects(root, options))
    assert seen[-1] == (PARTS, PARTS)


def test_rows_rejected_raise_on_the_driver_and_nothing_is_published(
    tmp_path: Path, spark: Any
) -> None:
    root = str(tmp_path / "out")
    with pytest.raises(pp.RowsRejected) as info:
        pps.write(frame(spark, planted()), root, namespace_column="ns")
    assert info.value.report.summary.rows_rejected == 11
    assert objects(root) == []


def test_convert_reads_the_files_in_the_tasks(tmp_path: Path, spark: Any) -> None:
    root = str(tmp_path / "out")
    df = planted()
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(5):  # 400 rows per file
        df.iloc[i * 400 : (i + 1) * 400].to_parquet(inputs / f"in-{i}.parquet")
    seen: list[tuple[int, int]] = []
    many = pps.convert(
        spark,
        str(inputs),
        root,
        namespace_column="ns",
        on_invalid="skip",
        files_per_task=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    one = pp.write(str(inputs), str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert rejected(many) == rejected(one) and many.records == one.records
    assert stored_rows(root) == stored_rows(str(tmp_path / "one"))
    assert {k.split("-")[1] for k in objects(root) if k.startswith("a/")} == {
        "00000",
        "00001",
        "00002",  # 5 files, 2 per task
    }
    assert seen[-1] == (3, 3)


def test_a_data_error_is_raised_on_the_driver(tmp_path: Path, spark: Any) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    planted(400).to_parquet(inputs / "a.parquet")
    (inputs / "b.parquet").write_bytes(b"PAR1 not a parquet file PAR1")
    with pytest.raises(pp.ValidationError) as info:
        pps.convert(spark, str(inputs), str(tmp_path / "out"), namespace_column="ns")
    assert info.value.report.summary.by_code == {"F001": 1}
    assert objects(str(tmp_path / "out")) == []


@pytest.mark.parametrize("case", CHECK_CASES)
def test_check_equals_check(case: str, spark: Any) -> None:
    uri = str(FIXTURES / case)
    whole = pp.check(uri, max_examples=None)
    report = pps.check(spark, uri, max_examples=None, files_per_task=2)
    assert report.findings == whole.findings
    assert report.summary == whole.summary


def test_a_check_of_json_lines_equals_check(tmp_path: Path, spark: Any) -> None:
    for uri in document_prefixes(tmp_path):
        whole = pp.check(uri, schema=DOCUMENT_SCHEMA, max_examples=None)
        report = pps.check(spark, uri, schema=DOCUMENT_SCHEMA, max_examples=None, files_per_task=2)
        assert report.findings == whole.findings, uri
        assert report.summary == whole.summary, uri
    assert "R005" in {f.code for f in whole.findings}  # the last: a file twice


def test_a_check_on_s3_equals_check(s3_prefix: StoragePrefix, spark: Any) -> None:
    root = s3_prefix.url + "/out"
    pp.write(
        planted(),
        root,
        namespace_column="ns",
        on_invalid="skip",
        target_file_bytes=20_000,
        storage_options=s3_prefix.storage_options,
    )
    whole = pp.check(root, storage_options=s3_prefix.storage_options)
    report = pps.check(spark, root, storage_options=s3_prefix.storage_options)
    assert report.findings == whole.findings and report.summary == whole.summary
    assert report.summary.files > 3


def test_a_worker_lost_after_staging_is_retried_and_each_record_written_once(
    tmp_path: Path, spark: Any
) -> None:
    marker = tmp_path / "first-attempt"
    root = str(tmp_path / "out")
    df = planted()
    spec = WriteSpec(namespace_column="ns", on_invalid="skip", stage=failing("exit", marker))
    result = pps._write_frame(frame(spark, df), root, spec, progress=None)
    assert marker.exists()  # the first attempt staged, then its Python worker exited
    one = pp.write(df, str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert result.records == one.records
    assert stored_rows(root) == stored_rows(str(tmp_path / "one"))
    assert not any(k.startswith("_pinecone_prep_tmp") for k in objects(root))


def test_a_failed_job_leaves_nothing_under_the_root(tmp_path: Path, spark: Any) -> None:
    root = str(tmp_path / "out")
    spec = WriteSpec(namespace_column="ns", stage=failing("raise"))
    with pytest.raises(Exception, match="partition 00001 was lost"):
        pps._write_frame(frame(spark, planted()), root, spec, progress=None)
    assert objects(root) == []


def test_empty_partitions_stage_nothing(tmp_path: Path, spark: Any) -> None:
    """Partition 0 is empty: the sample comes from the next one, the rows are those of a
    single-process write, and no file is named after partition 0."""
    df = planted()
    context = spark.sparkContext
    rows = context.parallelize(list(df.itertuples(index=False, name=None)), 3)
    rest = spark.createDataFrame(context.parallelize([], 1).union(rows), SCHEMA)
    result = pps.write(rest, str(tmp_path / "out"), namespace_column="ns", on_invalid="skip")
    one = pp.write(df, str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert rejected(result) == rejected(one) and result.records == one.records
    assert stored_rows(str(tmp_path / "out")) == stored_rows(str(tmp_path / "one"))
    assert not any("part-00000-" in k for k in objects(str(tmp_path / "out")))


def test_a_crash_between_pending_and_complete_resumes(tmp_path: Path, spark: Any) -> None:
    root = tmp_path / "out"
    root.mkdir()
    (root / "b").write_text("a file where the folder b must go: the moves into b/ fail")
    df = planted()
    with pytest.raises(pp.StorageError):
        pps.write(frame(spark, df), str(root), namespace_column="ns", on_invalid="skip")
    assert '"pending"' in (root / "_pinecone_prep_manifest.json").read_text()
    (root / "b").unlink()
    result = pps.write(frame(spark, df), str(root), namespace_column="ns", on_invalid="skip")
    one = pp.write(df, str(tmp_path / "one"), namespace_column="ns", on_invalid="skip")
    assert result.records == one.records
    assert stored_rows(str(root)) == stored_rows(str(tmp_path / "one"))
    assert verdict(str(root))[1:] == verdict(str(tmp_path / "one"))[1:]

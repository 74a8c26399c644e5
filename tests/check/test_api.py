"""The public API: its surface, the report model, caps with exact counts, and misuse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp

FIXTURES = Path(__file__).parents[2] / "fixtures"


def test_public_api_is_pinned() -> None:
    assert sorted(pp.__all__) == sorted(
        [
            "__version__",
            "CODES",
            "Code",
            "DocumentSchema",
            "Finding",
            "ImportOutcome",
            "ImportPlan",
            "ImportRequest",
            "ImportStartError",
            "ImportState",
            "ImportValidation",
            "IndexDescription",
            "Limits",
            "Location",
            "PineconeError",
            "PrepError",
            "RejectedRow",
            "Report",
            "RowsRejected",
            "StagedPart",
            "StorageError",
            "Summary",
            "UsageError",
            "ValidationError",
            "WriteResult",
            "WrittenFile",
            "cancel_import",
            "check",
            "describe_import",
            "describe_index",
            "is_valid",
            "iter_findings",
            "list_imports",
            "materialize",
            "plan",
            "preflight",
            "publish",
            "stage",
            "start_import",
            "write",
        ]
    )
    for name in pp.__all__:
        assert getattr(pp, name) is not None


def write_prefix(root: Path, ids: list[str | None], dim: int = 4, row_group_size: int = 3) -> Path:
    rng = np.random.default_rng(7)
    values = rng.standard_normal((len(ids), dim)).astype(np.float32) + 0.5
    table = pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "values": pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), dim).cast(
                pa.list_(pa.float32())
            ),
        }
    )
    (root / "ns").mkdir(parents=True)
    pq.write_table(table, root / "ns" / "part-0.parquet", row_group_size=row_group_size)
    return root


def test_caps_examples_per_code_and_file_but_counts_exactly(tmp_path: Path) -> None:
    ids: list[str | None] = [None] * 10 + ["ok"] + [""] * 4
    root = write_prefix(tmp_path, ids)
    report = pp.check(str(root), max_examples=3)
    r001 = [f for f in report.findings if f.code == "R001"]
    assert [f.location.row for f in r001] == [0, 1, 2]  # the first ones, in file order
    assert [f.location.row_group for f in r001] == [0, 0, 0]
    assert report.summary.by_code["R001"] == 10
    assert report.summary.by_code["R002"] == 4
    assert report.summary.examples_omitted == (10 - 3) + (4 - 3)
    assert report.summary.by_code["R005"] == 3  # "" repeats too
    assert report.summary.by_severity["error"] == 10 + 4 + 3
    full = pp.check(str(root), max_examples=None)
    assert [f.location.row for f in full.findings if f.code == "R002"] == [11, 12, 13, 14]
    assert [f.location.row_group for f in full.findings if f.code == "R002"] == [3, 4, 4, 4]


def test_report_to_dict_and_json(tmp_path: Path) -> None:
    root = write_prefix(tmp_path, ["a", "b", "a"])
    report = pp.check(str(root))
    data = report.to_dict()
    assert list(data) == ["valid", "summary", "findings"]
    assert data["valid"] is False
    dup = next(f for f in data["findings"] if f["code"] == "R005")
    assert set(dup) == {"code", "severity", "message", "location", "related"}
    assert dup["location"] == {
        "uri": f"{root}/ns/part-0.parquet",
        "namespace": "ns",
        "row_group": 0,
        "row": 2,
        "column": "id",
        "id": "a",
    }
    assert dup["related"]["row"] == 0
    assert orjson.loads(report.to_json()) == data
    assert report.summary.records == 3 and report.summary.files == 1


def test_raise_for_errors_and_is_valid(tmp_path: Path) -> None:
    good = pp.check(str(FIXTURES / "valid"))
    assert good.raise_for_errors() is good
    assert pp.is_valid(str(FIXTURES / "valid"))
    root = write_prefix(tmp_path, ["a", None])
    with pytest.raises(pp.ValidationError) as info:
        pp.check(str(root)).raise_for_errors()
    assert "R001" in str(info.value) and not info.value.report.valid
    assert not pp.is_valid(str(root))


def test_iter_findings_is_lazy(tmp_path: Path) -> None:
    root = write_prefix(tmp_path, [None] * 5)
    findings = pp.iter_findings(str(root))
    first = next(findings)
    assert first.code == "L009"  # the scan has not read any row yet when this arrives
    assert any(f.code == "R001" for f in findings)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "vector"},
        {"dimension": 0},
        {"dimension": "8"},
        {"limits": "1999"},
        {"extra_columns": "ignore"},
        {"max_examples": -1},
    ],
)
def test_misuse_raises_usage_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(pp.UsageError):
        pp.check(str(FIXTURES / "valid"), **kwargs)


def test_limits_profiles() -> None:
    assert pp.Limits.profile("2024").max_records == 100_000_000
    assert pp.Limits.profile("2026").max_namespaces == 10_000
    assert pp.Limits.profile("2026").max_records is None
    report = pp.check(str(FIXTURES / "valid"), limits=pp.Limits(max_records=3))
    assert report.summary.by_code["M002"] == 1


def test_missing_local_prefix_is_l002(tmp_path: Path) -> None:
    report = pp.check(str(tmp_path / "nope"))
    assert [f.code for f in report.errors()] == ["L002"]


def test_progress_reports_every_byte(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    pp.check(str(FIXTURES / "valid"), progress=lambda done, total: calls.append((done, total)))
    total = pp.check(str(FIXTURES / "valid")).summary.bytes
    assert calls[-1][1] == total
    assert calls[-1][0] == pytest.approx(total, abs=len(calls))  # integer shares of each file
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_metadata_worker_processes_give_the_same_report(tmp_path: Path) -> None:
    docs = ['{"a": 1}', '{"a": null}', "{bad", None, '{"$k": 2}', '{"a": NaN}'] * 500
    table = pa.table(
        {
            "id": [f"r{i}" for i in range(len(docs))],
            "values": pa.array([[1.0, float(i)] for i in range(len(docs))], pa.list_(pa.float32())),
            "metadata": pa.array(docs, pa.string()),
        }
    )
    (tmp_path / "ns").mkdir()
    pq.write_table(table, tmp_path / "ns" / "part-0.parquet", row_group_size=700)
    inline = pp.check(str(tmp_path), processes=0, max_examples=None)
    pooled = pp.check(str(tmp_path), processes=2, max_examples=None)
    assert pooled.to_dict() == inline.to_dict()
    assert inline.summary.by_code == {
        "L009": 1,
        "R030": 500,
        "R034": 500,
        "R036": 500,
        "R038": 500,
    }


UNGUARDED_SCRIPT = """
import sys
import pinecone_prep as pp

report = pp.check(sys.argv[1])
print(report.summary.records)
"""


def test_a_script_without_a_main_guard_can_check(tmp_path: Path) -> None:
    """Worker processes re-import the main module: a script with no `if __name__ ==
    "__main__":` guard would start the check again in each and crash. By default the library
    starts none (the CLI, whose entry point is guarded, does)."""
    rows = 200_000  # metadata worth worker processes when they are decided by volume
    table = pa.table(
        {
            "id": pa.array(np.arange(rows).astype(str)),
            "values": pa.FixedSizeListArray.from_arrays(
                pa.array(np.arange(1, 2 * rows + 1, dtype=np.float32)), 2
            ),
            "metadata": pa.array(['{"a":1}'] * rows),
        }
    )
    (tmp_path / "ns").mkdir()
    pq.write_table(table, tmp_path / "ns" / "part-0.parquet")
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(rows) and "Traceback" not in done.stderr


def test_a_broken_row_group_among_small_ones_is_named(tmp_path: Path) -> None:
    """Small row groups are checked several at a time; when one of them cannot be decoded,
    each is checked on its own, so the finding names the broken one and the others still
    report their own defects."""
    rng = np.random.default_rng(5)
    values = rng.random((50, 4), dtype=np.float32) + 0.5
    values[43] = 0  # R013 in row group 4
    table = pa.table(
        {
            "id": [f"r{i}" for i in range(50)],
            "values": pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), 4).cast(
                pa.list_(pa.float32())
            ),
        }
    )
    path = tmp_path / "ns" / "part-0.parquet"
    path.parent.mkdir()
    pq.write_table(table, path, row_group_size=10, compression="snappy")
    chunk = pq.ParquetFile(path).metadata.row_group(2).column(1)  # the vectors of group 2
    data = bytearray(path.read_bytes())
    start = chunk.data_page_offset + 20  # past the page header: its compressed body
    data[start : start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))

    report = pp.check(str(tmp_path), max_examples=None)
    broken = [(f.location.row_group, f.location.row) for f in report.findings if f.code == "F001"]
    assert broken == [(2, None)]
    zero = [(f.location.row_group, f.location.row) for f in report.findings if f.code == "R013"]
    assert zero == [(4, 43)]
    assert report.summary.records == 50


def test_parquet_into_a_document_index_stops_at_p003() -> None:
    fields = {"embedding": {"type": "dense_vector", "dimension": 4, "metric": "cosine"}}
    index = pp.IndexDescription(schema=pp.DocumentSchema.from_json({"fields": fields}))
    assert (index.family, index.dimension) == ("document", 4)
    report = pp.check(FIXTURES / "cases" / "R011", index=index, max_examples=None)
    codes = set(report.summary.by_code)
    assert "P003" in report.error_codes and not report.valid
    assert not codes & {"R011", "S012", "S010"}  # the rows are not read against its fields

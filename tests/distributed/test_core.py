"""The engine-agnostic core: a write staged in parts and published equals one `write`; a check
split into a plan, file shares and a merge equals one `check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pinecone_prep as pp
from pinecone_prep import distributed as dist
from tests.support.writing import clean, frame, read_back

FIXTURES = Path(__file__).parents[2] / "fixtures"


def staged(df: pd.DataFrame, root: Path, job: str, pieces: int, **options: Any) -> list[Any]:
    size = -(-len(df) // pieces)
    return [
        dist.stage(df.iloc[i * size : (i + 1) * size], root, job=job, part=f"{i:03d}", **options)
        for i in range(pieces)
    ]


def rows(root: Path) -> list[tuple[str, bytes, str]]:
    table = read_back(root)
    values = [np.asarray(v, np.float32).tobytes() for v in table.column("values").to_pylist()]
    ids, metadata = table.column("id").to_pylist(), table.column("metadata").to_pylist()
    return sorted(zip(ids, values, metadata, strict=True))


def test_parts_published_together_equal_one_write(tmp_path: Path) -> None:
    df = frame(60)
    df["ns"] = ["a", "b", "c"] * 20
    one = pp.write(df, tmp_path / "one", namespace_column="ns")
    with dist.write_job(tmp_path / "many") as job:
        parts = staged(df, tmp_path / "many", job, 4, namespace_column="ns", dimension=4)
        many = dist.publish(tmp_path / "many", parts)
    assert many.records == one.records == 60 and many.namespaces == one.namespaces
    assert rows(tmp_path / "many") == rows(tmp_path / "one")
    names = sorted(Path(f.uri).name for f in many.files)
    assert names[0] == "part-000-00000.parquet" and len(names) == 12  # 4 parts x 3 namespaces
    clean(tmp_path / "many")
    assert not (tmp_path / "many" / "_pinecone_prep_tmp").exists()


def test_duplicates_across_parts_keep_the_first_part(tmp_path: Path) -> None:
    df = frame(30)
    df.at[25, "id"] = "doc-3"  # part 2 repeats an id of part 0
    df.at[12, "values"] = df.at[1, "values"].copy()  # part 1 repeats a vector of part 0
    with dist.write_job(tmp_path / "out") as job:
        parts = staged(df, tmp_path / "out", job, 3, dimension=4)
        result = dist.publish(tmp_path / "out", parts, on_invalid="skip")
    assert [(r.part, r.row, r.codes) for r in result.rejected] == [
        ("001", 2, ("R014",)),
        ("002", 5, ("R005",)),
    ]
    assert result.records == 28
    clean(tmp_path / "out")


def test_publish_refuses_errors_and_leaves_nothing(tmp_path: Path) -> None:
    df = frame(10)
    df.at[4, "id"] = ""
    root = tmp_path / "out"
    with pytest.raises(pp.RowsRejected) as info, dist.write_job(root) as job:
        parts = staged(df, root, job, 2, dimension=4)
        assert parts[0].rejected and parts[0].rejected[0].codes == ("R002",)  # never raised
        dist.publish(root, parts)
    assert info.value.report.summary.rows_rejected == 1
    assert list(root.rglob("*.parquet*")) == []


def test_a_retried_task_leaves_each_record_once(tmp_path: Path) -> None:
    df = frame(20)
    root = tmp_path / "out"
    with dist.write_job(root) as job:
        first = dist.stage(df.iloc[:10], root, job=job, part="0", dimension=4)
        dist.stage(df.iloc[10:], root, job=job, part="1", attempt="a", dimension=4)  # lost
        second = dist.stage(df.iloc[10:], root, job=job, part="1", attempt="b", dimension=4)
        result = dist.publish(root, [first, second])
    assert result.records == 20 and result.rejected == []
    assert sorted(read_back(root).column("id").to_pylist()) == sorted(df["id"])
    assert not (root / "_pinecone_prep_tmp").exists()  # the lost attempt's files too


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    root = tmp_path / "out"
    with dist.write_job(root), pytest.raises(pp.UsageError, match="another pinecone-prep write"):
        pp.write(frame(3), root)
    pp.write(frame(3), root)  # the lock is gone with the job


@pytest.mark.parametrize(
    "case", ["valid", "cases/R005-files", "cases/R014", "cases/F001-truncated", "cases/F003"]
)
def test_a_check_in_parts_equals_check(case: str) -> None:
    uri = str(FIXTURES / case)
    whole = pp.check(uri, max_examples=None)
    plan = dist.plan_check(uri, max_examples=None)
    keys = plan.files
    results = [r for share in (keys[::2], keys[1::2]) for r in dist.check_files(plan, share)]
    merged = dist.merge_check(plan, results)
    assert merged.findings == whole.findings
    assert merged.summary == whole.summary


def test_a_merge_needs_every_file() -> None:
    plan = dist.plan_check(str(FIXTURES / "valid"))
    with pytest.raises(pp.UsageError, match="no result"):
        dist.merge_check(plan, dist.check_files(plan, plan.files[1:]))


def _documents(root: Path) -> Path:
    """JSON Lines over three files: an _id repeated across files (R005), a broken gzip
    stream (F001) with lines before the break, a bad line (D010), an empty namespace."""
    import gzip

    def line(i: int, **changes: Any) -> str:
        doc = {"_id": f"d{i}", "body": f"text {i}", "embedding": [0.5] * 7 + [float(i + 1)]}
        return json.dumps({**doc, **changes}) + "\n"

    (root / "a").mkdir(parents=True)
    (root / "a" / "part-0.jsonl").write_text(line(0) + line(1) + line(2, body=5))
    (root / "a" / "part-1.jsonl").write_text(line(3) + line(1))
    broken = gzip.compress((line(4) + line(5)).encode())[:-12]
    (root / "a" / "part-2.jsonl.gz").write_bytes(broken)
    (root / "b").mkdir()
    (root / "b" / "part-0.jsonl").write_text(line(0))
    return root


@pytest.mark.parametrize("case", ["valid-documents", "cases/D007", "cases/D015", "made"])
def test_a_check_of_json_lines_in_parts_equals_check(case: str, tmp_path: Path) -> None:
    uri = str(_documents(tmp_path) if case == "made" else FIXTURES / case)
    schema = json.loads((FIXTURES / "documents-schema.json").read_text(encoding="utf-8"))
    whole = pp.check(uri, schema=schema, max_examples=None)
    plan = dist.plan_check(uri, schema=schema, max_examples=None)
    keys = plan.files
    assert len(keys) == whole.summary.files
    results = [r for share in (keys[1::2], keys[::2]) for r in dist.check_files(plan, share)]
    merged = dist.merge_check(plan, results)
    assert merged.findings == whole.findings
    assert merged.summary == whole.summary
    if case == "made":
        assert {"R005", "F001", "D010"} <= set(whole.summary.by_code)


def test_a_quick_check_of_json_lines_in_parts_counts_from_the_manifest(tmp_path: Path) -> None:
    schema = json.loads((FIXTURES / "documents-schema.json").read_text(encoding="utf-8"))
    rows = [
        {"id": f"w{i}", "values": [0.5] * 7 + [float(i + 1)], "body": "x", "ns": f"n{i % 2}"}
        for i in range(500)
    ]
    pp.write(rows, tmp_path / "out", format="jsonl", schema=schema, namespace_column="ns")
    index = pp.IndexDescription(schema=pp.DocumentSchema.from_json(schema))
    whole = pp.check(tmp_path / "out", index=index, quick=True)
    plan = dist.plan_check(tmp_path / "out", index=index, quick=True)
    merged = dist.merge_check(plan, dist.check_files(plan, plan.files))
    assert merged.summary == whole.summary
    assert (merged.summary.records, merged.summary.records_counted) == (500, True)

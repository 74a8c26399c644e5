"""The layout planner: footers-only counts, limits, and multi-request plans that each fit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pinecone_prep as pp
from pinecone_prep._cli import main
from pinecone_prep._plan import NamespacePlan, pack

FIXTURES = Path(__file__).parents[2] / "fixtures"


def write_namespaces(root: Path, count: int, rows: int = 2) -> Path:
    for n in range(count):
        folder = root / f"ns-{n:03d}"
        folder.mkdir(parents=True)
        table = pa.table(
            {
                "id": [f"{n}-{i}" for i in range(rows)],
                "values": pa.array(
                    [[float(n + 1), float(i + 1)] for i in range(rows)], pa.list_(pa.float32())
                ),
            }
        )
        pq.write_table(table, folder / "part-0.parquet")
    return root


def test_plan_counts_from_footers() -> None:
    result = pp.plan(str(FIXTURES / "valid"))
    assert result.valid and len(result.requests) == 1
    assert result.requests[0].uri == str(FIXTURES / "valid")
    assert {ns.name: ns.records for ns in result.namespaces} == {
        "__default__": 4,
        "articles": 15,
        "products": 6,
    }
    assert result.records == pp.check(str(FIXTURES / "valid")).summary.records


def test_over_the_namespace_limit_splits_and_each_request_replans_clean(tmp_path: Path) -> None:
    # 101 namespaces break the 2024 profile's 100-namespace limit: two requests are needed.
    root = write_namespaces(tmp_path / "src", 101)
    assert pp.check(str(root)).summary.by_code.get("M001") == 1
    result = pp.plan(str(root))
    assert result.valid
    assert sorted(len(r.namespaces) for r in result.requests) == [1, 100]
    assert all(r.uri is None for r in result.requests)
    done = pp.materialize(result, str(tmp_path / "out"))
    seen: list[str] = []
    for request in done.requests:
        assert request.uri == str(tmp_path / "out" / f"request-{request.number:03d}")
        again = pp.plan(request.uri)
        assert again.valid and len(again.requests) == 1
        assert sorted(ns.name for ns in again.namespaces) == list(request.namespaces)
        assert pp.check(request.uri).valid
        seen += request.namespaces
    assert sorted(seen) == sorted(ns.name for ns in result.namespaces)


def test_namespace_too_large_for_any_request_is_named(tmp_path: Path) -> None:
    root = write_namespaces(tmp_path, 3, rows=4)
    result = pp.plan(str(root), limits=pp.Limits(max_records=5, max_file_bytes=10**9))
    assert result.valid
    result = pp.plan(str(root), limits=pp.Limits(max_records=3))
    assert not result.valid
    assert result.unplaceable == ["ns-000", "ns-001", "ns-002"]
    assert {f.code for f in result.findings if f.severity == "error"} == {"M002"}
    assert "split it into several namespaces" in result.findings[-1].message


def test_file_over_the_file_limit_says_rewrite(tmp_path: Path) -> None:
    root = write_namespaces(tmp_path, 1)
    result = pp.plan(str(root), limits=pp.Limits(max_file_bytes=10))
    (m004,) = [f for f in result.findings if f.code == "M004"]
    assert m004.location.uri.endswith("ns-000/part-0.parquet")
    assert "pinecone-prep convert" in m004.message


def test_unreadable_footer_and_layout_findings(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "valid", tmp_path / "p")
    (tmp_path / "p" / "articles" / "broken.parquet").write_bytes(b"nope")
    (tmp_path / "p" / "stray.parquet").write_bytes(b"nope")
    result = pp.plan(str(tmp_path / "p"))
    codes = sorted(f.code for f in result.findings if f.severity == "error")
    assert codes == ["F001", "L003"]
    assert not result.valid


def test_materialize_refuses_an_invalid_plan(tmp_path: Path) -> None:
    root = write_namespaces(tmp_path / "src", 2)
    result = pp.plan(str(root), limits=pp.Limits(max_records=1))
    with pytest.raises(pp.UsageError):
        pp.materialize(result, str(tmp_path / "out"))


namespace_sizes = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 10_000), st.integers(1, 5)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(
    namespace_sizes,
    st.integers(1, 10),
    st.integers(1, 100),
    st.integers(1, 20_000),
    st.integers(1, 10),
)
def test_pack_places_every_namespace_once_and_every_request_fits(
    sizes: list[tuple[int, int, int]],
    max_ns: int,
    max_records: int,
    max_bytes: int,
    max_files: int,
) -> None:
    namespaces = [
        NamespacePlan(
            f"ns{i}",
            files,
            records,
            size,
            tuple((f"ns{i}/f{j}.parquet", size // files) for j in range(files)),
        )
        for i, (records, size, files) in enumerate(sizes)
    ]
    limits = pp.Limits(
        max_namespaces=max_ns, max_records=max_records, max_bytes=max_bytes, max_files=max_files
    )
    requests, unplaceable, problems = pack(namespaces, limits)
    placed = [name for r in requests for name in r.namespaces]
    assert sorted(placed + unplaceable) == sorted(ns.name for ns in namespaces)
    assert len(set(placed)) == len(placed)
    for r in requests:
        assert len(r.namespaces) <= max_ns and r.records <= max_records
        assert r.bytes <= max_bytes and r.files <= max_files
    for name in unplaceable:
        assert any(p[2] == name for p in problems)
    # Nothing that fits alone is left out.
    for ns in namespaces:
        alone = ns.records <= max_records and ns.bytes <= max_bytes and ns.files <= max_files
        assert (ns.name in unplaceable) != alone


def test_cli_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_namespaces(tmp_path / "src", 101)
    assert main(["plan", str(root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] and data["summary"]["requests"] == 2
    dest = tmp_path / "out"
    assert main(["plan", str(root), "--materialize", str(dest)]) == 0
    out = capsys.readouterr().out
    assert str(dest / "request-001") in out.replace("\n", "") or "request-001" in out
    assert sorted(p.name for p in dest.iterdir()) == ["request-001", "request-002"]
    assert main(["plan", str(FIXTURES / "cases" / "L003")]) == 1


# --- JSON Lines: files and bytes from the listing, records not counted -------------------------


def test_a_json_lines_prefix_is_planned_from_its_listing() -> None:
    root = FIXTURES / "valid-documents"
    result = pp.plan(root)
    files = sorted(p for p in root.rglob("*.jsonl*"))
    assert result.valid and result.limits.name == "documents" and result.records is None
    assert {ns.name: (ns.files, ns.records) for ns in result.namespaces} == {
        "__default__": (1, None),
        "articles": (2, None),
    }
    assert result.bytes == sum(p.stat().st_size for p in files)
    [request] = result.requests
    assert (request.uri, request.records, request.files) == (str(root), None, 3)
    assert "None records" not in repr(result) and "uncounted records" in repr(result)
    assert [f.code for f in result.findings] == ["L009"]  # no footer read, no F001
    with pytest.raises(pp.UsageError, match="cannot count"):
        pp.plan(root, limits="2024")  # its record limit cannot be judged


def test_a_gzip_file_counts_at_ten_times_its_size(tmp_path: Path) -> None:
    root = tmp_path / "src"
    for ns in ("a", "b"):
        (root / ns).mkdir(parents=True)
        (root / ns / "part-0.jsonl.gz").write_bytes(b"x" * 100)
    (root / "b" / "part-1.jsonl").write_bytes(b"x" * 100)
    limits = pp.Limits(max_file_bytes=500, max_bytes=1500)
    result = pp.plan(root, limits=limits)
    assert not result.valid and result.unplaceable == ["a", "b"]
    m004 = [f for f in result.findings if f.code == "M004"]
    assert len(m004) == 2 and "a .jsonl.gz file counts at 10x its size" in m004[0].message
    # Within the file limit, the counted bytes still decide how the requests are packed.
    split = pp.plan(root, limits=pp.Limits(max_file_bytes=1000, max_bytes=1500))
    assert split.valid and [r.namespaces for r in split.requests] == [("a",), ("b",)]
    assert [r.bytes for r in split.requests] == [100, 200]  # as stored


def test_a_json_lines_plan_materializes_and_each_request_replans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "src"
    shutil.copytree(FIXTURES / "valid-documents", root)
    result = pp.plan(root, limits=pp.Limits(max_namespaces=1))
    done = pp.materialize(result, tmp_path / "out")
    assert [r.namespaces for r in done.requests] == [("__default__",), ("articles",)]
    for request in done.requests:
        assert request.uri is not None and pp.plan(request.uri).valid
    assert main(["plan", str(root)]) == 0
    assert "records not counted (JSON Lines" in capsys.readouterr().out
    assert main(["plan", str(root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["records"] is None and data["limits"] == "documents"
    assert main(["plan", str(root), "--limits", "2024"]) == 2

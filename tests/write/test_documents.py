"""Writing a document index's import (JSON Lines): frames round-trip (written, checked clean,
read back equal), rejected rows carry the codes `check` gives the same documents, the one
writer's machinery (duplicates across parts, manifest, quarantine, gzip) serves JSON Lines."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pinecone_prep as pp
from pinecone_prep._manifest import Manifest
from pinecone_prep._spec import MANIFEST_KEY
from pinecone_prep.distributed import write_job

SCHEMA: dict[str, Any] = {
    "fields": {
        "body": {"type": "string", "full_text_search": {}},
        "embedding": {"type": "dense_vector", "dimension": 3, "metric": "cosine"},
        "kw": {"type": "sparse_vector"},
    }
}
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_lines(root: Path) -> dict[str, dict[str, Any]]:
    """Every written document by `_id`, with its namespace."""
    out = {}
    for path in sorted(root.rglob("*.jsonl*")):
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        assert data.endswith(b"\n") and b"\r\n" not in data
        for line in data.splitlines():
            doc = orjson.loads(line)
            assert next(iter(doc)) == "_id"  # written first
            out[doc["_id"]] = {**doc, "ns": path.parent.name}
    return out


def clean(root: Path | str, **options: Any) -> pp.Report[pp.Summary]:
    report = pp.check(str(root), schema=SCHEMA, max_examples=None, **options)
    noisy = [f for f in report.findings if f.severity != "info" and f.code != "L009"]
    assert noisy == []
    return report


metadata = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=8),
        "year": st.integers(-(2**53), 2**53),
        "score": st.floats(allow_nan=False, allow_infinity=False),
        "draft": st.booleans(),
        "tags": st.lists(st.text(max_size=4), max_size=3),
    },
)


@st.composite
def frames(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    n = draw(st.integers(1, 25))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    vectors = rng.random((n, 3), dtype=np.float32) + 0.25
    ids = [f"doc-{i}" for i in range(n)]
    bodies = [draw(st.none() | st.text(max_size=40)) for _ in range(n)]
    metas = [draw(metadata) for _ in range(n)]
    sparse: list[dict[str, list[Any]] | None] = []
    expected = {}
    for i in range(n):
        nnz = int(rng.integers(0, 4))
        indices = rng.choice(1000, size=nnz, replace=False).tolist()
        sparse.append({"indices": indices, "values": [0.5] * nnz} if nnz else None)
        doc: dict[str, Any] = {"_id": ids[i], "embedding": vectors[i].tolist()}
        if nnz:
            doc["kw"] = {"indices": sorted(indices), "values": [0.5] * nnz}
        if bodies[i] is not None:
            doc["body"] = bodies[i]
        expected[ids[i]] = {**doc, **metas[i]}
    frame = pd.DataFrame(
        {"id": ids, "values": list(vectors), "body": bodies, "metadata": metas, "kw": sparse}
    )
    return frame, expected


@SETTINGS
@given(case=frames(), compress=st.booleans(), pieces=st.integers(1, 3))
def test_frames_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    case: tuple[pd.DataFrame, dict[str, dict[str, Any]]],
    compress: bool,
    pieces: int,
) -> None:
    frame, expected = case
    root = tmp_path_factory.mktemp("docs")
    step = -(-len(frame) // pieces)
    data = [frame[i : i + step] for i in range(0, len(frame), step)]
    result = pp.write(
        data, root, format="jsonl", schema=SCHEMA, gzip=compress, target_file_bytes=400
    )
    assert result.rejected == [] and result.records == len(frame)
    assert all(f.uri.endswith(".jsonl.gz" if compress else ".jsonl") for f in result.files)
    assert clean(root).summary.records == len(frame)
    back = read_lines(root)
    assert back.keys() == expected.keys()
    for key, doc in expected.items():
        got = back[key]
        assert got.pop("ns") == "__default__"
        assert np.array_equal(np.float32(got.pop("embedding")), np.float32(doc["embedding"]))
        assert got == {k: v for k, v in doc.items() if k != "embedding"}


def bad_frame() -> pd.DataFrame:
    rows = [
        ("ok-0", [0.1, 0.2, 0.3], "fine", {"year": 2020}),
        ("", [0.1, 0.2, 0.3], "empty id", {}),
        ("zero", [0.0, 0.0, 0.0], "all zeros", {}),
        ("short", [0.1, 0.2], "two numbers", {}),
        ("under", [0.1, 0.2, 0.3], "key", {"_score": 1}),
        ("dollar", [0.1, 0.2, 0.3], "key", {"$in": 1}),
        ("nested", [0.1, 0.2, 0.3], "object", {"a": {"b": 1}}),
        ("numbers", [0.1, 0.2, 0.3], "array", {"n": [1, 2]}),
        ("clash", [0.1, 0.2, 0.3], "body twice", {"body": "again"}),
        ("big", [0.1, 0.2, 0.3], "b" * 100_001, {}),
        ("long", [0.1, 0.2, 0.3], "x", {"k" * 65: 1}),
        ("ok-0", [0.3, 0.2, 0.1], "duplicate id", {}),
    ]
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "values": [np.array(r[1], np.float32) for r in rows],
            "body": [r[2] for r in rows],
            "metadata": [r[3] for r in rows],
        }
    )


EXPECTED = {
    1: {"R002"},
    2: {"R013"},
    3: {"R011"},
    4: {"D008"},
    5: {"R036"},
    6: {"R033"},
    7: {"R035"},
    8: {"D007"},
    9: {"D013"},
    10: {"D009"},
    11: {"R005"},
}


def test_rejected_rows_carry_the_codes_check_gives_their_documents(tmp_path: Path) -> None:
    root, rejected = tmp_path / "root", tmp_path / "rejected"
    result = pp.write(
        bad_frame(),
        root,
        format="jsonl",
        schema=SCHEMA,
        on_invalid="quarantine",
        quarantine_uri=rejected,
    )
    assert {r.row: set(r.codes) for r in result.rejected} == EXPECTED
    assert result.records == 1
    clean(root)
    # The quarantine keeps each rejected document as it was built: checked as an import of
    # its own, it breaks the same rules. (Not the metadata that could not be converted, nor a
    # key given twice, which one object cannot hold; R005 needs the first copy too.)
    rows = [r for p in sorted(rejected.glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    assert [r["row"] for r in rows] == sorted(EXPECTED)
    whole = {1, 2, 3, 4, 9, 10}
    lines = [r["line"] for r in rows if r["row"] in whole]
    (tmp_path / "again/ns").mkdir(parents=True)
    (tmp_path / "again/ns/a.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = pp.check(tmp_path / "again", schema=SCHEMA, max_examples=None)
    codes: dict[int, set[str]] = {}
    for f in report.findings:  # less R014: these rejected rows share a vector among themselves
        if f.location.row is not None and f.code != "R014":
            codes.setdefault(f.location.row, set()).add(f.code)
    assert [codes[r] for r in sorted(codes)] == [EXPECTED[r] for r in sorted(whole)]


def test_with_skip_the_rest_is_written(tmp_path: Path) -> None:
    result = pp.write(bad_frame(), tmp_path, format="jsonl", schema=SCHEMA, on_invalid="skip")
    assert [f.uri.rsplit("/", 2)[-2:] for f in result.files] == [
        ["__default__", "part-00000.jsonl"]
    ]
    assert list(read_lines(tmp_path)) == ["ok-0"]
    with pytest.raises(pp.RowsRejected, match="11 row"):
        pp.write(bad_frame(), tmp_path / "x", format="jsonl", schema=SCHEMA)
    assert not (tmp_path / "x").exists()


def test_an_identical_vector_is_dropped_as_in_parquet(tmp_path: Path) -> None:
    same = np.array([0.1, 0.2, 0.3], np.float32)
    frame = pd.DataFrame({"id": ["a", "b", "c"], "values": [same, same * 2, same.copy()]})
    result = pp.write(frame, tmp_path, format="jsonl", schema=SCHEMA, on_invalid="skip")
    assert [(r.row, r.id, r.codes) for r in result.rejected] == [(2, "c", ("R014",))]
    assert "identical to the record at input, row 0" in result.rejected[0].findings[0].message
    assert sorted(read_lines(tmp_path)) == ["a", "b"]
    clean(tmp_path)


def test_staged_parts_publish_as_one_jsonl_write(tmp_path: Path) -> None:
    def part(ids: list[str]) -> pd.DataFrame:
        vectors = [np.array([0.1, 0.2, float(i)], np.float32) for i in ids]  # one per id
        return pd.DataFrame({"id": ids, "values": vectors, "body": ids})

    with write_job(tmp_path) as job:
        parts = [
            pp.stage(part(ids), tmp_path, job=job, part=label, format="jsonl", schema=SCHEMA)
            for label, ids in (("a", ["1", "2"]), ("b", ["3", "2"]))
        ]
        result = pp.publish(tmp_path, parts, on_invalid="skip")
    assert [r.codes for r in result.rejected] == [("R005", "R014")]  # "2" twice, as a whole
    names = sorted(f.uri.rsplit("/", 1)[-1] for f in result.files)
    assert names == ["part-a-00000.jsonl", "part-b-00000.jsonl"]
    assert sorted(read_lines(tmp_path)) == ["1", "2", "3"]
    manifest = Manifest.from_json((tmp_path / MANIFEST_KEY).read_text())
    for f in manifest.files:
        assert hashlib.sha256((tmp_path / f.key).read_bytes()).hexdigest() == f.sha256
    clean(tmp_path)
    parquet = pp.stage(part(["9"]), tmp_path / "p", job="j", part="c")
    jsonl = pp.stage(part(["8"]), tmp_path / "p", job="j", part="d", format="jsonl", schema=SCHEMA)
    with pytest.raises(pp.UsageError, match="several formats"):
        pp.publish(tmp_path / "p", [parquet, jsonl])


def test_gzip_is_one_deterministic_stream(tmp_path: Path) -> None:
    frame = bad_frame().iloc[:1]
    shas = [
        pp.write(frame, tmp_path / str(i), format="jsonl", schema=SCHEMA, gzip=True).files[0].sha256
        for i in range(2)
    ]
    assert shas[0] == shas[1]
    data = (tmp_path / "0/__default__/part-00000.jsonl.gz").read_bytes()
    inflate = zlib.decompressobj(31)
    inflate.decompress(data)
    assert inflate.eof and inflate.unused_data == b""


def test_columns_feed_the_schemas_fields(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "embedding": [np.array([0.1, 0.2, v], np.float32) for v in (0.3, 0.4)],  # as the field
            "body": ["x", None],
            "year": [2020, 2021],
            "ignored": [1, 2],
        }
    )
    result = pp.write(
        frame, tmp_path, format="jsonl", schema=SCHEMA, metadata_columns=["year"], namespace="n"
    )
    assert result.ignored_columns == ("ignored",)
    docs = read_lines(tmp_path)
    assert docs["a"]["body"] == "x" and "body" not in docs["b"] and docs["b"]["year"] == 2021


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"format": "jsonl"}, "needs the document index's schema"),
        ({"schema": SCHEMA}, "schema and gzip are for format='jsonl'"),
        ({"gzip": True}, "schema and gzip are for format='jsonl'"),
        ({"format": "csv"}, "format must be one of"),
        ({"format": "jsonl", "schema": SCHEMA, "kind": "dense"}, "kind describes"),
        ({"format": "jsonl", "schema": SCHEMA, "dimension": 4}, "contradicts the schema's (3)"),
        ({"format": "jsonl", "schema": SCHEMA, "values_column": "v"}, "'embedding' needs a column"),
        ({"format": "jsonl", "schema": SCHEMA, "metadata_columns": ["body"]}, "feed schema fields"),
        ({"format": "jsonl", "schema": {"fields": {}}}, "the schema has no field"),
    ],
)
def test_usage_errors(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    frame = pd.DataFrame({"id": ["a"], "values": [[0.1, 0.2, 0.3]], "body": ["x"]})
    with pytest.raises(pp.UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pp.write(frame, tmp_path / "root", **options)
    numbers = pd.DataFrame({"id": ["a"], "values": [[0.1, 0.2, 0.3]], "body": [5]})
    with pytest.raises(pp.UsageError, match="feeds a full-text field: it must hold text"):
        pp.write(numbers, tmp_path / "other", format="jsonl", schema=SCHEMA)


def test_on_s3(s3_prefix: Any) -> None:
    options = s3_prefix.storage_options
    frame = bad_frame()
    result = pp.write(
        frame.iloc[:1], s3_prefix.url, format="jsonl", schema=SCHEMA, gzip=True,
        storage_options=options,
    )  # fmt: skip
    assert result.records == 1
    report = pp.check(s3_prefix.url, schema=SCHEMA, storage_options=options)
    assert report.valid and report.summary.by_severity["warning"] == 0
    assert s3_prefix.fs.exists(s3_prefix.join("__default__/part-00000.jsonl.gz"))

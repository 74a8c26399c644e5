"""Checking a document index's JSON Lines import: every rule a document shares with a Parquet
record (R codes, with the field's own name), the layout and limits with the JSON Lines
suffixes, gzip, locations (file, 0-based line, `_id`), and usage errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

import pinecone_prep as pp
from pinecone_prep._check.rows import QUICK_ROWS

REPO = Path(__file__).resolve().parents[2]
SCHEMA: dict[str, Any] = {
    "fields": {
        "body": {"type": "string", "full_text_search": {}},
        "embedding": {"type": "dense_vector", "dimension": 4, "metric": "cosine"},
        "kw": {"type": "sparse_vector"},
    }
}


def doc(i: int, **changes: Any) -> dict[str, Any]:
    base = {"_id": f"d{i}", "body": f"text {i}", "embedding": [0.5, 0.25, 1.0, float(i + 1)]}
    return {**base, **changes}


def lines(*docs: dict[str, Any] | bytes) -> bytes:
    out = b""
    for d in docs:
        out += (d if isinstance(d, bytes) else json.dumps(d).encode()) + b"\n"
    return out


def prefix(root: Path, files: dict[str, bytes]) -> str:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return str(root)


def check(root: str, **options: Any) -> pp.Report[pp.Summary]:
    return pp.check(root, schema=options.pop("schema", SCHEMA), max_examples=None, **options)


def found(report: pp.Report[pp.Summary]) -> list[tuple[Any, ...]]:
    """(code, file name, row, column, id) of every finding but the dry-run notices."""
    return [
        (f.code, Path(f.location.uri).name, f.location.row, f.location.column, f.location.id)
        for f in report.findings
        if f.code not in ("L009", "L006")
    ]


def test_the_bundled_valid_prefix_is_clean() -> None:
    report = pp.check(
        REPO / "fixtures/valid-documents", schema=REPO / "fixtures/documents-schema.json"
    )
    assert [f.code for f in report.findings] == ["L009"]
    assert report.summary.records == 20 and report.summary.files == 3
    assert {ns.kind for ns in report.summary.by_namespace} == {"document"}
    assert report.summary.limits == "documents"


RECORD_CASES = [
    (doc(0, _id=None), "R001", "_id", "`_id` is null"),
    ({k: v for k, v in doc(0).items() if k != "_id"}, "R001", "_id", "`_id` is missing"),
    (doc(0, _id=""), "R002", "_id", "`_id` is the empty string"),
    (doc(0, _id="x" * 513), "R003", "_id", "`_id` has 513 characters"),
    (doc(0, _id="café"), "R004", "_id", "is not ASCII"),
    (doc(0, embedding=None), "R010", "embedding", "`embedding` is null"),
    ({k: v for k, v in doc(0).items() if k != "embedding"}, "R010", "embedding", "is missing"),
    (doc(0, embedding=[1.0, 2.0]), "R011", "embedding", "has 2 numbers; dimension 4 expected"),
    (doc(0, embedding=[1.0, None, 2.0, 3.0]), "R012", "embedding", "NaN, Inf, null"),
    (doc(0, embedding=[1.0, 1e39, 2.0, 3.0]), "R012", "embedding", "beyond float32"),
    (doc(0, embedding=[0, 0.0, -0.0, 0]), "R013", "embedding", "all zeros"),
    (doc(0, kw={"indices": [1, 2], "values": [0.5]}), "R021", "kw", "2 indices but 1 values"),
    (doc(0, kw={"indices": [], "values": []}), "R022", "kw", "no entries"),
    (doc(0, kw={"indices": [-1], "values": [0.5]}), "R023", "kw", "outside 0..4,294,967,295"),
    (doc(0, kw={"indices": [2**32], "values": [0.5]}), "R023", "kw", "uint32"),
    (doc(0, kw={"indices": [2**70], "values": [0.5]}), "D010", "kw", "must be"),
    (doc(0, kw={"indices": [None], "values": [0.5]}), "R023", "kw", "or null"),
    (doc(0, kw={"indices": [3, 3], "values": [0.5, 1.0]}), "R024", "kw", "appears twice"),
    (doc(0, kw={"indices": [1], "values": [None]}), "R026", "kw", "NaN, Inf or null"),
    (doc(0, note="x" * 39_990), "R032", None, "40,001 bytes as compact JSON"),
    (doc(0, a={"b": 1}), "R033", "a", "nested object"),
    (doc(0, a=None), "R034", "a", "is null"),
    (doc(0, tags=["a", 1]), "R035", "tags", "non-string items"),
    (doc(0, nums=[1, 2.5]), "R035", "nums", "an array of numbers"),
    (doc(0, **{"$in": 1}), "R036", "$in", "starts with `$`"),
    (doc(0, n=2**60), "R037", "n", "beyond +-2^53"),
    (doc(0, n=2**64), "R037", "n", "holds 18446744073709551616, beyond"),  # orjson: a float
    (doc(0, n=-(2**63) - 1), "R037", "n", "holds -9223372036854775809, beyond"),
    (doc(0, body=None), "D010", "body", "found null"),
    (doc(0, embedding="0.1,0.2"), "D010", "embedding", "found string"),
    (doc(0, embedding=[1.0, True, 2.0, 3.0]), "D010", "embedding", "boolean, number"),
    (doc(0, embedding=[1.0, "2", 2.0, 3.0]), "D010", "embedding", "number, string"),
    (doc(0, kw=[1, 2]), "D010", "kw", "found array"),
    (doc(0, kw={"indices": [1], "values": [1.0], "extra": 1}), "D010", "kw", "another object"),
    (doc(0, _id=12), "D010", "_id", "`_id` must be a string, found number"),
    (doc(0, **{"": 1}), "D009", None, "the empty string"),
    (doc(0, **{"é" * 33: 1}), "D009", "é" * 33, "66 bytes"),
]


@pytest.mark.parametrize(("bad", "code", "column", "words"), RECORD_CASES)
def test_a_bad_document_is_named_by_code_line_field_and_id(
    tmp_path: Path, bad: dict[str, Any], code: str, column: str | None, words: str
) -> None:
    root = prefix(tmp_path, {"ns/a.jsonl": lines(doc(1), bad, doc(2))})
    report = check(root)
    hits = [f for f in report.findings if f.code == code]
    assert len(hits) == 1, found(report)
    assert words in hits[0].message
    loc = hits[0].location
    assert (Path(loc.uri).name, loc.row, loc.row_group, loc.column) == ("a.jsonl", 1, None, column)
    if isinstance(bad.get("_id"), str):
        assert loc.id == bad["_id"]
    others = [f for f in found(report) if f[0] != code]
    assert others == [] or code in ("R001", "R004"), others  # one finding per defect


def test_large_floats_in_metadata_are_numbers_not_integers(tmp_path: Path) -> None:
    big = b'{"_id":"f1","embedding":[1,2,3,4],"a":1e19,"b":-1.5e300,"c":18446744073709551616.0}'
    root = prefix(tmp_path, {"ns/a.jsonl": lines(big)})
    assert found(check(root)) == []


def test_a_wide_float_beside_lists_too_deep_for_python_is_judged_without_a_crash(
    tmp_path: Path,
) -> None:
    deep = b"[" * 1000 + b"]" * 1000  # orjson reads 1,023 levels; Python's json fewer
    line = b'{"_id":"d1","embedding":[1,2,3,4],"a":1e19,"b":' + deep + b"}"
    root = prefix(tmp_path, {"ns/a.jsonl": lines(line)})
    assert [(c, column) for c, _, _, column, _ in found(check(root))] == [("R035", "b")]


def test_numbers_that_are_not_json_are_named_by_their_field(tmp_path: Path) -> None:
    nan = b'{"_id":"n1","embedding":[1,NaN,2,3]}'
    inf = b'{"_id":"n2","embedding":[1,2,3,4],"score":Infinity}'
    weight = b'{"_id":"n3","embedding":[1,2,3,4],"kw":{"indices":[1],"values":[-Infinity]}}'
    root = prefix(tmp_path, {"ns/a.jsonl": lines(nan, inf, weight)})
    assert [(c, row) for c, _, row, *_ in found(check(root))] == [
        ("R038", 1),
        ("R012", 0),
        ("R026", 2),
    ]


def test_duplicate_ids_are_confirmed_across_files_and_gzip(tmp_path: Path) -> None:
    root = prefix(
        tmp_path,
        {
            "ns/a.jsonl": lines(doc(1), doc(2)),
            "ns/b.jsonl.gz": gzip.compress(lines(doc(3), doc(2, body="again"))),
            "other/a.jsonl": lines(doc(2)),  # another namespace: not a duplicate
        },
    )
    report = check(root)
    (dup,) = [f for f in report.findings if f.code == "R005"]
    assert (Path(dup.location.uri).name, dup.location.row, dup.location.id) == (
        "b.jsonl.gz",
        1,
        "d2",
    )
    assert dup.related is not None
    assert (Path(dup.related.uri).name, dup.related.row, dup.related.column) == (
        "a.jsonl",
        1,
        "_id",
    )
    assert report.summary.records == 5


def test_identical_vectors_across_files_and_namespaces_are_r014(tmp_path: Path) -> None:
    # Compared as Pinecone stores them, float32: 0.1 and 0.10000000149 are the same number.
    same = doc(5, embedding=[0.10000000149, 0.25, 1.0, 6.0])
    near = doc(6, embedding=[0.5, 0.25, 1.0, 6.000001])  # another float32 than doc(5)'s
    root = prefix(
        tmp_path,
        {
            "a/x.jsonl": lines(doc(1), doc(5, embedding=[0.1, 0.25, 1.0, 6.0])),
            "b/y.jsonl": lines(doc(2), dict(same, _id="other"), near),
        },
    )
    report = check(root)
    (dup,) = [f for f in report.findings if f.code == "R014"]
    assert dup.severity == "warning"
    assert (dup.location.namespace, dup.location.row, dup.location.column, dup.location.id) == (
        "b",
        1,
        "embedding",
        "other",
    )
    assert dup.related is not None
    assert (dup.related.namespace, dup.related.row, dup.related.id) == ("a", 1, "d5")
    assert "`embedding` identical to the record at" in dup.message
    assert check(root, quick=True).summary.by_code.get("R014") is None  # needs every row


def test_duplicate_keys_are_found_however_the_line_is_spaced(tmp_path: Path) -> None:
    spaced = b'{"_id" : "s1", "body": "a: b", "embedding": [1, 2, 3, 4], "body" : "c"}'
    nested = b'{"_id":"s2","embedding":[1,2,3,5],"kw":{"indices":[1],"values":[1],"values":[2]}}'
    colons = b'{"_id":"s3","body":"x \\": y","embedding":[1,2,3,6],"t":"http://a","t":"b"}'
    fine = b'{"_id":"s4","body":"a \\": b: c","embedding":[1,2,3,7],"u":"ftp://x"}'
    root = prefix(tmp_path, {"ns/a.jsonl": lines(spaced, nested, colons, fine)})
    assert [(c, row) for c, _, row, *_ in found(check(root))] == [
        ("D007", 0),
        ("D007", 1),
        ("D007", 2),
    ]


def test_hostile_lines_never_crash(tmp_path: Path) -> None:
    data = lines(
        b'{"_id":"u1","body":"\xff\xfe"}',  # not UTF-8
        b"[" * 5000 + b"]" * 5000,  # nested beyond every parser's limit
        b'{"_id":"u3","a":' + b'{"b":' * 3000 + b"1" + b"}" * 3001,
        b"\x00\x01\x02",
        b'{"_id":"u5"',
        b"   ",
        b"null",
    )
    root = prefix(tmp_path, {"ns/a.jsonl": data})
    codes = [(c, row) for c, _, row, *_ in found(check(root))]
    assert codes == [("D001", 0), ("D001", 1), ("D001", 2), ("D001", 3), ("D001", 4),
                     ("D003", 5), ("D002", 6)]  # fmt: skip
    first = check(root).findings[1]
    assert first.message == "line is not valid UTF-8: byte 0xff at byte 20"


def test_a_huge_line_is_measured_not_held(tmp_path: Path) -> None:
    big = b'{"_id":"h1","body":"' + b"x" * 3_000_000 + b'"}'
    root = prefix(tmp_path, {"ns/a.jsonl": lines(doc(1), big, doc(2)) + big})
    report = check(root)
    assert [(c, row) for c, _, row, *_ in found(report)] == [
        ("D012", 1),
        ("D012", 3),
        ("D006", 3),
    ]
    assert "3,000,022 bytes" in report.findings[1].message
    assert report.summary.records == 4


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip.compress(lines(doc(1), doc(2)) * 200)[:-30], "ends early (truncated file)"),
        (b"not gzip at all", "not gzip, or corrupt"),
        (b"", "empty file, not gzip"),
        (gzip.compress(lines(doc(1))) + b"trailing junk", "not gzip, or corrupt"),
    ],
)
def test_a_broken_gzip_file_is_f001_and_the_lines_before_are_checked(
    tmp_path: Path, data: bytes, reason: str
) -> None:
    root = prefix(tmp_path, {"ns/a.jsonl.gz": data, "ns/b.jsonl": lines(doc(3))})
    report = check(root)
    (broken,) = [f for f in report.findings if f.code == "F001"]
    assert reason in broken.message and "not readable gzip" in broken.message
    assert Path(broken.location.uri).name == "a.jsonl.gz"
    assert not [f for f in found(report) if f[0] not in ("F001", "R005", "R014")]
    by_file = {Path(f.uri).name: f for f in report.summary.by_file}
    assert by_file["a.jsonl.gz"].readable is False and by_file["b.jsonl"].records == 1


def test_layout_rules_with_the_json_lines_suffixes(tmp_path: Path) -> None:
    root = prefix(
        tmp_path,
        {
            "loose.jsonl": lines(doc(1)),
            "ns/deep/a.jsonl": lines(doc(2)),
            "ns/a.jsonl.gz": gzip.compress(lines(doc(3))),
            "ns/readme.txt": b"notes",
            "ns/part.ndjson": lines(doc(4)),
            "ns/data.parquet": b"PAR1",
            "empty/a.jsonl": b"",
            "naïve/a.jsonl": lines(doc(5)),
        },
    )
    report = check(root)
    got = {(f.code, Path(f.location.uri).name) for f in report.findings}
    assert {("L003", "loose.jsonl"), ("L004", "a.jsonl"), ("D014", "part.ndjson")} <= got
    assert {("L005", "naïve"), ("F002", "a.jsonl"), ("L008", "empty"), ("L006", "ns")} <= got
    message = next(f.message for f in report.findings if f.code == "L006")
    assert message == "3 non-.jsonl(.gz) object(s) in namespace 'ns' will be ignored by Pinecone"


def test_a_uri_naming_a_file_and_a_prefix_without_files(tmp_path: Path) -> None:
    root = prefix(tmp_path, {"ns/a.jsonl.gz": gzip.compress(lines(doc(1))), "x.txt": b"x"})
    (l001,) = [f for f in check(f"{root}/ns/a.jsonl.gz").findings if f.code == "L001"]
    assert l001.message.startswith("the URI names a .jsonl.gz object")
    (l002,) = [f for f in check(f"{root}/ns2").findings if f.code == "L002"]
    assert l002.message == "no .jsonl or .jsonl.gz object under the URI"


def test_limits_count_a_gzip_file_at_ten_times_its_size(tmp_path: Path) -> None:
    data = gzip.compress(lines(*[doc(i) for i in range(50)]))
    root = prefix(tmp_path, {"a/x.jsonl.gz": data, "b/y.jsonl": lines(doc(99)), "c/z.jsonl": b""})
    limits = pp.Limits(
        name="tiny", max_file_bytes=len(data) * 9, max_files=2, max_namespaces=2, max_records=50
    )
    report = check(root, limits=limits)
    codes = {f.code: f for f in report.findings}
    assert {"M001", "M002", "M004", "M005"} <= set(codes)
    assert codes["M004"].message.endswith("a .jsonl.gz file counts at 10x its size")
    assert codes["M002"].message == "51 records; the tiny limit is 50"


def test_the_schema_decides(tmp_path: Path) -> None:
    root = prefix(tmp_path, {"ns/a.jsonl": lines(doc(1))})
    with pytest.raises(pp.UsageError, match="JSON Lines files, a document index's import"):
        pp.check(root)
    with pytest.raises(pp.UsageError, match="kind describes a vector index"):
        check(root, kind="dense")
    with pytest.raises(
        pp.UsageError, match=r"dimension=8 contradicts the schema's dense field \(4"
    ):
        check(root, dimension=8)
    assert check(root, dimension=4, metric="cosine").valid
    embedded = {"fields": {"body": {"type": "string", "embed": {"model": "m"}}}}
    (p002,) = [f for f in check(root, schema=embedded).findings if f.code == "P002"]
    assert "'body' use integrated embedding" in p002.message


def test_metadata_declared_by_describe_keeps_its_type(tmp_path: Path) -> None:
    schema = {"fields": {**SCHEMA["fields"], "year": {"type": "float"}, "tag": {}}}
    root = prefix(tmp_path, {"ns/a.jsonl": lines(doc(1, year="2024", tag=[1]), doc(2, year=3))})
    assert found(check(root, schema=schema)) == [
        ("D010", "a.jsonl", 0, "year", "d1"),
        ("R035", "a.jsonl", 0, "tag", "d1"),
    ]


def test_a_schema_without_a_dense_field(tmp_path: Path) -> None:
    schema = {"fields": {"body": {"type": "string", "full_text_search": {}}}}
    root = prefix(tmp_path, {"ns/a.jsonl": lines({"_id": "a", "body": "x"}, {"_id": "b", "y": 1})})
    assert [c for c, *_ in found(check(root, schema=schema))] == ["D011"]


def test_quick_reads_the_first_lines_and_caps_keep_counts_exact(tmp_path: Path) -> None:
    many = [doc(i, body=5) for i in range(1500)]
    root = prefix(tmp_path, {"ns/a.jsonl": lines(*many), "ns/b.jsonl": lines(doc(0))})
    quick = pp.check(root, schema=SCHEMA, quick=True)
    assert quick.summary.by_code["D010"] == QUICK_ROWS and "R005" not in quick.summary.by_code
    full = pp.check(root, schema=SCHEMA, max_examples=3)
    assert full.summary.by_code["D010"] == 1500 and full.summary.by_code["R005"] == 1
    assert len([f for f in full.findings if f.code == "D010"]) == 3
    assert not pp.is_valid(root, schema=SCHEMA)
    assert next(pp.iter_findings(root, schema=SCHEMA)).code == "L009"


def test_worker_processes_give_the_same_report(tmp_path: Path) -> None:
    bad = [doc(i, body=5) if i % 7 == 0 else doc(i) for i in range(300)]
    root = prefix(
        tmp_path, {"ns/a.jsonl": lines(*bad, doc(3)), "ns/b.jsonl.gz": gzip.compress(b"x")}
    )
    alone = check(root, processes=0)
    pooled = check(root, processes=1)
    assert pooled.to_dict() == alone.to_dict()


def test_on_s3(s3_prefix: Any) -> None:
    fs = s3_prefix.fs
    fs.pipe(s3_prefix.join("ns/a.jsonl.gz"), gzip.compress(lines(doc(1), doc(2, _id=""))))
    fs.pipe(s3_prefix.join("ns/b.jsonl"), lines(doc(1)))
    report = check(s3_prefix.url, storage_options=s3_prefix.storage_options)
    assert [(c, row) for c, _, row, *_ in found(report)] == [("R002", 1), ("R005", 0), ("R014", 0)]
    assert [f.code for f in report.findings if f.code.startswith("L")] == []

"""Hostile bytes: seeded corruptions of real Parquet files (truncations, zero bytes, wrong magic,
a wrong footer length, flipped bytes in the footer, in page headers and in data pages) and the
hostile inputs found by hand (text that is not UTF-8, duplicate columns, footers that lie about
their rows, metadata nested 10,000 deep, a page header claiming 2 GiB). `check`, `plan` and
`convert` must give a verdict (exit 0 or 1, never a traceback, an internal error or a storage
error for bytes) in bounded time and memory.

The corpus, the Thrift codec that edits footers and page headers, and the driver that runs
every case in ONE child process under a timeout live in `tests.support.fuzz`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import pinecone_prep as pp
from pinecone_prep._cli import main
from tests.support.fuzz import (
    corpus,
    decode,
    edit_header,
    footer,
    get,
    pages,
    parquet,
    put,
    run_driver,
    table,
    with_footer,
)

CASE_SECONDS = 5.0  # one corrupted file, one command
RSS_CAP_MB = 1024  # the child's peak: ~200 MB is normal, a 2 GiB allocation is not


def findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    return list(json.loads(result["out"])["findings"]) if result["out"].strip() else []


def _codes(result: dict[str, Any]) -> set[str]:
    return {f["code"] for f in findings(result)}


@pytest.fixture(scope="module")
def corpus_runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Every corrupted copy checked, planned and converted, in one child process."""
    folder = tmp_path_factory.mktemp("corpus")
    cases = corpus()
    for case, data in cases.items():
        where = folder / case.replace("/", "--") / "ns"
        where.mkdir(parents=True)
        (where / "part-0000.parquet").write_bytes(data)
    results = run_driver(folder, "check", "plan", "convert")
    assert len(results) == 3 * len(cases) >= 300
    return results


def runs(results: list[dict[str, Any]], command: str, *kinds: str) -> list[dict[str, Any]]:
    """The runs of `command` on cases whose name holds one of `kinds` (all when none)."""
    return [
        r
        for r in results
        if r["command"] == command and (not kinds or any(f"--{k}" in r["case"] for k in kinds))
    ]


@pytest.mark.parametrize("command", ["check", "plan", "convert"])
def test_corrupted_copies_get_a_verdict_in_bounded_time(
    corpus_runs: list[dict[str, Any]], command: str
) -> None:
    """Exit 0 or 1 (a storage error, exit 3, would blame the store for the bytes), never a
    traceback, each run under CASE_SECONDS and the process under RSS_CAP_MB."""
    wrong = [
        (r["case"], r["code"], round(r["seconds"], 1), r["rss_mb"], (r["out"] + r["err"])[-200:])
        for r in runs(corpus_runs, command)
        if r["code"] not in (0, 1)
        or "Traceback" in r["out"] + r["err"]
        or r["seconds"] > CASE_SECONDS
        or r["rss_mb"] > RSS_CAP_MB
    ]
    assert not wrong, wrong


def test_convert_writes_nothing_from_a_file_it_cannot_read(
    corpus_runs: list[dict[str, Any]],
) -> None:
    failed = [r for r in runs(corpus_runs, "convert") if r["code"] != 0]
    assert failed and [r["case"] for r in failed if r["written"]] == []


@pytest.mark.parametrize("command", ["check", "plan"])
def test_unreadable_copies_are_f001(corpus_runs: list[dict[str, Any]], command: str) -> None:
    broken = runs(corpus_runs, command, "zero-bytes", "magic-tail", "footer-length", "truncated")
    assert broken and [r["case"] for r in broken if r["code"] != 1 or "F001" not in _codes(r)] == []


def test_a_flipped_byte_in_a_checksummed_page_is_f001_at_its_row_group(
    corpus_runs: list[dict[str, Any]],
) -> None:
    """Never a silently different value (the fixtures carry no page CRCs: not judged here)."""
    flipped = [r for r in runs(corpus_runs, "check", "data-page-flips") if "valid" not in r["case"]]
    assert flipped
    for result in flipped:
        f001 = [f for f in findings(result) if f["code"] == "F001"]
        assert result["code"] == 1 and f001, result["case"]
        assert all(f["location"]["row_group"] is not None for f in f001), result["case"]


def test_a_wrong_leading_magic_is_f001(corpus_runs: list[dict[str, Any]]) -> None:
    """The footer reads, but the object does not start as Parquet does (RULES F001 "bad
    magic"); check reads the whole object, so it must say so (plan reads footers only)."""
    head = runs(corpus_runs, "check", "magic-head")
    assert head and [r["case"] for r in head if "F001" not in _codes(r)] == []


# --- hostile inputs found by hand: each with the verdict it should get ----------------------------


def check(
    capsys: pytest.CaptureFixture[str], data: bytes, root: Path, *extra: str, command: str = "check"
) -> tuple[int, list[dict[str, Any]]]:
    """`command` on a prefix holding `data` as its one file: exit code and findings."""
    (root / "ns").mkdir(parents=True, exist_ok=True)
    (root / "ns" / "part-0000.parquet").write_bytes(data)
    code = main([command, str(root), "--format", "json", *extra])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "Traceback" not in captured.out + captured.err
    return code, json.loads(captured.out)["findings"]


def strings(items: list[bytes]) -> pa.Array:
    """A string column holding these bytes as they are (pyarrow would refuse bad UTF-8)."""
    return pa.array(items, pa.binary()).view(pa.string())


def at(found: list[dict[str, Any]], *codes: str) -> list[dict[str, Any]]:
    return [f for f in found if f["code"] in codes]


def test_invalid_utf8_in_an_id_is_r004(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ids = [f"id-{i}".encode() for i in range(50)]
    ids[7] = b"id-\xff\xfe"
    data = parquet(table().set_column(0, "id", strings(ids)))
    code, found = check(capsys, data, tmp_path)
    [r004] = at(found, "R004")
    assert code == 1 and r004["location"]["row"] == 7 and r004["location"]["column"] == "id"


@pytest.mark.parametrize("command", ["check", "plan"])
def test_invalid_utf8_in_a_column_name_is_f001(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """Thrift strings in a footer are UTF-8: a name that is not is an unreadable footer."""
    meta = pa.array([json.dumps({"g": "x"})] * 50)
    data = parquet(table(metadata=meta), store_schema=False).replace(b"metadata", b"metad\xffta")
    code, found = check(capsys, data, tmp_path, command=command)
    assert code == 1 and at(found, "F001")


def test_duplicate_column_names_are_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two `id` columns: which one Pinecone reads is unknown, so it is an error even when
    extra columns are only warnings."""
    data = parquet(table().append_column("iX", pa.array(["x"] * 50)), store_schema=False)
    code, found = check(capsys, data.replace(b"iX", b"id"), tmp_path, "--extra-columns", "warn")
    assert code == 1
    assert [f for f in at(found, "F001", "S009") if f["severity"] == "error"]


@pytest.mark.parametrize("command", ["check", "plan"])
def test_a_footer_with_negative_row_counts_is_f001(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    body, meta = footer(parquet(table()))
    put(meta, 3, -5)
    for group in get(meta, 4)[1]:
        put(group, 3, -5)
    code, found = check(capsys, with_footer(body, meta), tmp_path, command=command)
    assert code == 1 and at(found, "F001")


@pytest.mark.parametrize("claimed", [1_000_000, 10])
@pytest.mark.parametrize("command", ["check", "plan"])
def test_a_footer_whose_row_counts_disagree_is_f001(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, claimed: int, command: str
) -> None:
    """The file and its row group claim `claimed` rows, the `id` column chunk says 50: the
    footer contradicts itself. Neither a VALID with a million records nor duplicates among
    rows that are not there."""
    body, meta = footer(parquet(table(50)))
    put(meta, 3, claimed)
    put(get(meta, 4)[1][0], 3, claimed)
    code, found = check(capsys, with_footer(body, meta), tmp_path, command=command)
    assert code == 1 and at(found, "F001") and not at(found, "R005")


def test_a_footer_that_claims_rows_its_pages_do_not_hold_is_f001(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A consistent lie: every count in the footer says 1,000,000, the pages hold 50 rows
    (pyarrow reads the 50 and stops). Only reading the pages can tell: check must."""
    body, meta = footer(parquet(table(50)))
    put(meta, 3, 1_000_000)
    group = get(meta, 4)[1][0]
    put(group, 3, 1_000_000)
    for chunk in get(group, 1)[1]:
        if get(get(chunk, 3), 5) == 50:  # the flat columns: one value per row
            put(get(chunk, 3), 5, 1_000_000)
    code, found = check(capsys, with_footer(body, meta), tmp_path)
    [f001] = at(found, "F001")
    assert code == 1 and f001["location"]["row_group"] == 0


def deep(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [1_100, 10_000])
def test_metadata_nested_deep_is_a_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, depth: int
) -> None:
    """Valid JSON whose value nests `depth` objects: R033 (nested object), or R030 when the
    depth is past what a JSON parser takes; never a RecursionError. Same for `convert`."""
    meta = pa.array([deep(depth)] + [json.dumps({"g": "x"})] * 49)
    code, found = check(capsys, parquet(table(metadata=meta)), tmp_path / "check")
    [nested] = at(found, "R030", "R033")
    assert code == 1 and nested["location"]["row"] == 0
    lines = [{"id": "a", "values": [0.1, 0.2], "metadata": {"g": "x"}}, {"id": "b"}]
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(lines[0]) + "\n" + '{"id": "b", "values": [0.3, 0.4], "metadata": '
        f"{deep(depth)}}}\n"
    )
    code = main(["convert", str(source), "--to", str(tmp_path / "out"), "--on-invalid", "skip"])
    captured = capsys.readouterr()
    assert code in (0, 1) and "internal error" not in captured.err, captured.err


def test_empty_vectors_are_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Pinecone has no 0-dimensional vector."""
    empty = pa.table(
        {"id": [f"i{i}" for i in range(50)], "values": pa.array([[]] * 50, pa.list_(pa.float32()))}
    )
    code, found = check(capsys, parquet(empty), tmp_path)
    assert code == 1 and at(found, "S012", "R011")


def test_empty_vectors_are_not_written(tmp_path: Path) -> None:
    with pytest.raises(pp.ValidationError) as rejected:  # RowsRejected
        pp.write(pa.Table.from_pylist([{"id": "a", "values": []}]), tmp_path / "out")
    assert {f.code for f in rejected.value.report.findings} & {"S012", "R011"}
    assert not list((tmp_path / "out").rglob("*.parquet"))


def test_an_integer_beyond_2_64_in_metadata_is_r037(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    meta = pa.array(['{"n": 18446744073709551617}'] + [json.dumps({"g": "x"})] * 49)
    code, found = check(capsys, parquet(table(metadata=meta)), tmp_path)
    [big] = at(found, "R037")
    assert code == 0 and big["location"]["row"] == 0 and big["severity"] == "warning"


def test_invalid_utf8_in_metadata_is_r030(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    meta = strings([b'{"g": "\xff\xfe"}'] + [b'{"g": "x"}'] * 49)
    code, found = check(capsys, parquet(table(metadata=meta)), tmp_path)
    assert code == 1 and [f["location"]["row"] for f in at(found, "R030")] == [0]
    assert not at(found, "R038")


@pytest.mark.parametrize("field", [2, 3])  # the uncompressed and the compressed page size
def test_a_page_header_claiming_2_gib_is_f001(tmp_path: Path, field: int) -> None:
    """A 10 kB file whose first data page says it holds 2 GiB: F001 at the row group, and the
    check (in a child process, to measure its own peak RSS) does not allocate what it says
    (through a buffered stream, pyarrow allocated the compressed size: 2.1 GB)."""
    data = parquet(table(), compression="snappy", write_page_checksum=True)
    first_data_page = next(p for p in pages(data) if decode(data, p[0])[0][0][2] == 0)[0]
    hostile = edit_header(data, first_data_page, lambda h: put(h, field, 2**31 - 1))
    (tmp_path / "case" / "ns").mkdir(parents=True)
    (tmp_path / "case" / "ns" / "part-0000.parquet").write_bytes(hostile)
    [check_run, plan_run] = run_driver(tmp_path, "check", "plan")
    assert check_run["code"] == 1, check_run["err"]
    f001 = at(findings(check_run), "F001")
    assert f001 and f001[0]["location"]["row_group"] == 0
    # one child runs both: its peak is the check's
    assert check_run["rss_mb"] < RSS_CAP_MB and plan_run["rss_mb"] < RSS_CAP_MB

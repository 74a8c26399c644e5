"""Hostile bytes: seeded corruptions of real Parquet files (truncations, zero bytes, wrong magic,
a wrong footer length, flipped bytes in the footer, in page headers and in data pages) and the
hostile inputs found by hand (text that is not UTF-8, duplicate columns, footers that lie about
their rows, metadata nested 10,000 deep, a page header claiming 2 GiB). `check` and `plan` must
give a verdict (exit 0 or 1, never a traceback or an internal error) in bounded time and memory.

The corrupted copies run in ONE child process (`drive`) under a timeout, so that a hang fails
the test instead of the suite. Footers and page headers are edited with
`tests.support.parquet_bytes` (Thrift).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp
from pinecone_prep._cli import main
from tests.support.parquet_bytes import decode, edit_header, footer, get, pages, put, with_footer

FIXTURES = Path(__file__).parents[2] / "fixtures"
REPO = Path(__file__).parents[2]
SEED = 20261129
DRIVER_TIMEOUT = 90.0  # the whole corpus, in one child process
CASE_SECONDS = 5.0  # one corrupted file, check and plan
RSS_CAP_MB = 1024  # the child's peak: ~200 MB is normal, a 2 GiB allocation is not

# --- the corpus: real files and seeded corruptions of them ---------------------------------------


def table(rows: int = 50, dim: int = 8, **columns: pa.Array) -> pa.Table:
    vectors = np.random.default_rng(rows).random((rows, dim), dtype=np.float32) + 0.01
    values = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), dim)
    return pa.table(
        {
            "id": [f"id-{i}" for i in range(rows)],
            "values": values.cast(pa.list_(pa.float32())),
            **columns,
        }
    )


def parquet(data: pa.Table, **options: Any) -> bytes:
    sink = io.BytesIO()
    pq.write_table(data, sink, **options)
    return sink.getvalue()


def written_files() -> dict[str, bytes]:
    """Files pyarrow writes with several row groups and page checksums, so that a flipped data
    byte can be told from a different value (the fixtures have no checksums)."""
    meta = pa.array([json.dumps({"genre": f"g{i % 7}", "year": 1990 + i}) for i in range(300)])
    sparse = pa.array(
        [{"indices": [i, i + 3], "values": [0.5, 0.25]} for i in range(300)],
        pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(pa.float32()))]),
    )
    crc = {"write_page_checksum": True, "row_group_size": 100}
    return {
        "dense-snappy": parquet(table(300, metadata=meta), compression="snappy", **crc),
        "dense-plain": parquet(table(300, 16), compression="none", use_dictionary=False, **crc),
        "hybrid-zstd": parquet(table(300, sparse_values=sparse), compression="zstd", **crc),
    }


def base_files() -> dict[str, bytes]:
    fixtures = sorted(FIXTURES.glob("valid*/*/*.parquet"))
    found = {f"{p.parent.parent.name}-{p.parent.name}-{p.stem}": p.read_bytes() for p in fixtures}
    return found | written_files()


def flip(data: bytes, rng: random.Random, start: int, end: int, count: int = 3) -> bytes:
    out = bytearray(data)
    for _ in range(count):
        out[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
    return bytes(out)


def corruptions(name: str, data: bytes, rng: random.Random) -> dict[str, bytes]:
    """Seeded corrupted copies of one file, named by what was done."""
    size = struct.unpack("<i", data[-8:-4])[0]
    start = len(data) - 8 - size
    heads = pages(data)
    cases = {
        "zero-bytes": b"",
        "magic-head": b"PAR0" + data[4:],
        "magic-tail": data[:-4] + b"PARQ",
        "footer-length-huge": data[:-8] + struct.pack("<i", len(data) * 2) + b"PAR1",
        "footer-length-short": data[:-8] + struct.pack("<i", size - 1 - rng.randrange(8)) + b"PAR1",
        "footer-length-negative": data[:-8] + struct.pack("<i", -5) + b"PAR1",
        "footer-flips": flip(data, rng, start, len(data) - 8),
    }
    for n in range(3):
        cases[f"truncated-{n}"] = data[: rng.randrange(1, len(data))]
    for n, (at, length, body) in enumerate(rng.sample(heads, min(4, len(heads)))):
        cases[f"page-header-flips-{n}"] = flip(data, rng, at, at + length, 1 + n % 2)
        if body and n < 2:
            cases[f"data-page-flips-{n}"] = flip(data, rng, at + length, at + length + body, 1)
    return {f"{name}/{what}": corrupted for what, corrupted in cases.items()}


def corpus() -> dict[str, bytes]:
    rng = random.Random(SEED)
    return {
        case: corrupted
        for name, data in base_files().items()
        for case, corrupted in corruptions(name, data, rng).items()
    }


# --- the driver: every case in one child process ---------------------------------------------


def run_cli(argv: list[str]) -> dict[str, Any]:
    """`main(argv)` in this process: exit code, output, seconds, peak RSS after it."""
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except BaseException as exc:  # a crash is a result here, not the end of the corpus
            code, err = -1, io.StringIO(f"Traceback: {type(exc).__name__}: {exc}")
    return {
        "code": code,
        "out": out.getvalue(),
        "err": err.getvalue(),
        "seconds": time.monotonic() - start,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def drive(folder: str) -> None:
    """Child process: check and plan each case folder, one JSON line per run on stdout."""
    for root in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        for command in ("check", "plan"):
            print(json.dumps({"case": root.name, "command": command}), file=sys.stderr, flush=True)
            result = run_cli([command, str(root), "--format", "json"])
            print(json.dumps({"case": root.name, "command": command, **result}), flush=True)


def run_driver(folder: Path) -> list[dict[str, Any]]:
    code = "import sys; from tests.check.test_fuzz import drive; drive(sys.argv[1])"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(folder)],
            capture_output=True,
            text=True,
            timeout=DRIVER_TIMEOUT,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired as exc:
        started = (exc.stderr or b"").decode().strip().splitlines()[-1:]
        pytest.fail(f"the corpus did not finish in {DRIVER_TIMEOUT} s; last started: {started}")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    return list(json.loads(result["out"])["findings"]) if result["out"].strip() else []


def _codes(result: dict[str, Any]) -> set[str]:
    return {f["code"] for f in findings(result)}


def test_corrupted_copies_get_a_verdict_in_bounded_time(tmp_path: Path) -> None:
    cases = corpus()
    for case, data in cases.items():
        where = tmp_path / case.replace("/", "--") / "ns"
        where.mkdir(parents=True)
        (where / "part-0000.parquet").write_bytes(data)
    start = time.monotonic()
    results = run_driver(tmp_path)
    elapsed = time.monotonic() - start
    assert len(results) == 2 * len(cases) >= 200
    wrong = [
        (r["case"], r["command"], r["code"], (r["out"] + r["err"])[-300:])
        for r in results
        if r["code"] not in (0, 1)
        or "Traceback" in r["out"] + r["err"]
        or r["seconds"] > CASE_SECONDS
        or r["rss_mb"] > RSS_CAP_MB
    ]
    assert not wrong, wrong
    # Unreadable as Parquet, whatever reads it: F001 from check and from plan.
    broken = ("zero-bytes", "magic-tail", "footer-length", "truncated")
    unread = [r for r in results if any(f"--{what}" in r["case"] for what in broken)]
    assert not [
        (r["case"], r["command"]) for r in unread if r["code"] != 1 or not _codes(r) & {"F001"}
    ]
    # Checksummed pages: a flipped data byte is F001 at its row group, never a silent pass.
    flipped = [r for r in results if "data-page-flips" in r["case"] and r["command"] == "check"]
    checked = [r for r in flipped if not r["case"].startswith("valid")]  # fixtures: no CRCs
    assert checked
    for result in checked:
        f001 = [f for f in findings(result) if f["code"] == "F001"]
        assert result["code"] == 1 and f001, result["case"]
        assert all(f["location"]["row_group"] is not None for f in f001), result["case"]
    # A wrong leading magic: the footer reads, but the object is not Parquet (RULES F001 "bad
    # magic"); check reads every byte range, so it must say so (plan reads footers only).
    head = [r for r in results if "--magic-head" in r["case"] and r["command"] == "check"]
    assert [r["case"] for r in head if "F001" not in _codes(r)] == []
    print(f"{len(cases)} corrupted files, check and plan each: {elapsed:.1f} s")


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


@pytest.mark.parametrize("field", [2, 3])  # uncompressed, compressed page size
def test_a_page_header_claiming_2_gib_is_f001_in_bounded_memory(tmp_path: Path, field: int) -> None:
    """A 10 kB file whose first data page says it holds 2 GiB: F001 at the row group, and the
    check (in a child process, to measure its own peak RSS) does not allocate what it says."""
    data = parquet(table(), compression="snappy", write_page_checksum=True)
    first_data_page = next(p for p in pages(data) if decode(data, p[0])[0][0][2] == 0)[0]
    hostile = edit_header(data, first_data_page, lambda h: put(h, field, 2**31 - 1))
    (tmp_path / "case" / "ns").mkdir(parents=True)
    (tmp_path / "case" / "ns" / "part-0000.parquet").write_bytes(hostile)
    [check_run, plan_run] = run_driver(tmp_path)
    assert check_run["code"] == 1, check_run["err"]
    f001 = at(findings(check_run), "F001")
    assert f001 and f001[0]["location"]["row_group"] == 0
    assert check_run["rss_mb"] < RSS_CAP_MB and plan_run["rss_mb"] < RSS_CAP_MB

"""Hostile Parquet bytes for tests: a small Thrift compact protocol codec (the Parquet footer
and page headers are Thrift structs) with helpers to find and edit them, a seeded corpus of
corrupted copies of real files, and a driver that runs CLI commands over a folder of cases in
ONE child process under a timeout (a hang fails the caller's test, not the suite).

A struct decodes to a list of [field id, type, value]; `encode` writes it back byte for byte.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pinecone_prep._cli import main

FIXTURES = Path(__file__).parents[2] / "fixtures"
REPO = Path(__file__).parents[2]
SEED = 20261129
DRIVER_TIMEOUT = 90.0  # the whole corpus, in one child process

# --- Thrift compact protocol: a struct is a list of [field id, type, value] ----------------------

STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(13)
Fields = list[list[Any]]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _read(data: bytes, pos: int, kind: int) -> tuple[Any, int]:
    if kind in (TRUE, FALSE):
        return kind == TRUE, pos
    if kind == BYTE:
        return data[pos], pos + 1
    if kind in (I16, I32, I64):
        raw, pos = _varint(data, pos)
        return (raw >> 1) ^ -(raw & 1), pos
    if kind == DOUBLE:
        return struct.unpack_from("<d", data, pos)[0], pos + 8
    if kind == BINARY:
        size, pos = _varint(data, pos)
        return data[pos : pos + size], pos + size
    if kind in (LIST, SET):
        head = data[pos]
        size, item, pos = head >> 4, head & 0x0F, pos + 1
        if size == 15:
            size, pos = _varint(data, pos)
        items = []
        for _ in range(size):
            if item in (TRUE, FALSE):  # a bool in a list is a whole byte
                value, pos = data[pos] == 1, pos + 1
            else:
                value, pos = _read(data, pos, item)
            items.append(value)
        return (item, items), pos
    if kind == STRUCT:
        return decode(data, pos)
    raise ValueError(f"Thrift type {kind} is not used by Parquet")


def decode(data: bytes, pos: int = 0) -> tuple[Fields, int]:
    fields: Fields = []
    last = 0
    while (head := data[pos]) != STOP:
        pos += 1
        kind, delta = head & 0x0F, head >> 4
        if delta:
            fid = last + delta
        else:
            raw, pos = _varint(data, pos)
            fid = (raw >> 1) ^ -(raw & 1)
        value, pos = _read(data, pos, kind)
        fields.append([fid, kind, value])
        last = fid
    return fields, pos + 1


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes([*out, n])


def _write(kind: int, value: Any) -> bytes:
    if kind in (TRUE, FALSE):
        return b""
    if kind == BYTE:
        return bytes([value])
    if kind in (I16, I32, I64):
        return _uvarint((value << 1) ^ (value >> 63))
    if kind == DOUBLE:
        return struct.pack("<d", value)
    if kind == BINARY:
        return _uvarint(len(value)) + value
    if kind in (LIST, SET):
        item, items = value
        size = len(items)
        head = bytes([size << 4 | item]) if size < 15 else bytes([0xF0 | item]) + _uvarint(size)
        if item in (TRUE, FALSE):
            return head + bytes(1 if x else 2 for x in items)
        return head + b"".join(_write(item, x) for x in items)
    return encode(value)


def encode(fields: Fields) -> bytes:
    out, last = bytearray(), 0
    for fid, kind, value in fields:
        kind = (TRUE if value else FALSE) if kind in (TRUE, FALSE) else kind
        out += bytes([(fid - last) << 4 | kind]) if 0 < fid - last <= 15 else bytes([kind])
        out += b"" if 0 < fid - last <= 15 else _write(I16, fid)
        out += _write(kind, value)
        last = fid
    return bytes([*out, STOP])


def get(fields: Fields, fid: int) -> Any:
    return next(f[2] for f in fields if f[0] == fid)


def put(fields: Fields, fid: int, value: Any) -> None:
    next(f for f in fields if f[0] == fid)[2] = value


# --- Parquet bytes: footer (FileMetaData) and page headers ----------------------------------------


def footer(data: bytes) -> tuple[bytes, Fields]:
    size = struct.unpack("<i", data[-8:-4])[0]
    return data[: len(data) - 8 - size], decode(data[len(data) - 8 - size : -8])[0]


def with_footer(body: bytes, meta: Fields) -> bytes:
    raw = encode(meta)
    return body + raw + struct.pack("<i", len(raw)) + b"PAR1"


def pages(data: bytes) -> list[tuple[int, int, int]]:
    """(header offset, header length, page length) of every page of every column chunk."""
    found = []
    for group in get(footer(data)[1], 4)[1]:
        for chunk in get(group, 1)[1]:
            meta = get(chunk, 3)
            start = next((f[2] for f in meta if f[0] == 11), None) or get(meta, 9)
            pos, end = start, start + get(meta, 7)
            while pos < end:
                header, after = decode(data, pos)
                found.append((pos, after - pos, get(header, 3)))
                pos = after + get(header, 3)
    return found


def edit_header(data: bytes, offset: int, change: Callable[[Fields], None]) -> bytes:
    """The page header at `offset` changed and re-encoded to its old length: its checksum (4)
    and statistics make room, an unknown field (readers skip it) pads."""
    header, end = decode(data, offset)
    change(header)
    header = [f for f in header if f[0] != 4]
    for f in header:
        if f[1] == STRUCT:
            f[2] = [g for g in f[2] if not (g[0] == 5 and g[1] == STRUCT)]
    pad = [100, BINARY, b""]
    while len(encode([*header, pad])) < end - offset:
        pad[2] += b"\x00"
    assert len(encode([*header, pad])) == end - offset, "no room to re-encode the header"
    return data[:offset] + encode([*header, pad]) + data[end:]


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
        "rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> int:
    """This process's own peak RSS. Not `ru_maxrss`: Linux carries it over from the parent
    through fork and exec, so a child of a big test process would report the parent's peak."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def drive(folder: str, *commands: str) -> None:
    """Child process: check and plan each case folder, and convert its file to a new root
    next to it; one JSON line per run on stdout (and its start on stderr, to name a hang)."""
    for root in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        source, target = str(root / "ns" / "part-0000.parquet"), f"{root}.out"
        argvs = {
            "check": ["check", str(root), "--format", "json"],
            "plan": ["plan", str(root), "--format", "json"],
            "convert": ["convert", source, "--to", target, "--format", "json"],
        }
        for command in commands:
            print(json.dumps({"case": root.name, "command": command}), file=sys.stderr, flush=True)
            result = run_cli(argvs[command])
            result["written"] = sorted(str(p) for p in Path(target).rglob("*.parquet"))
            print(json.dumps({"case": root.name, "command": command, **result}), flush=True)


def run_driver(folder: Path, *commands: str) -> list[dict[str, Any]]:
    code = "import sys; from tests.support.fuzz import drive; drive(*sys.argv[1:])"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(folder), *commands],
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

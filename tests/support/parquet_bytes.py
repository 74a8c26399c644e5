"""Parquet bytes for hostile-input tests: a small Thrift compact protocol codec (the Parquet
footer and page headers are Thrift structs) and helpers to find and edit them.

A struct decodes to a list of [field id, type, value]; `encode` writes it back byte for byte.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

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

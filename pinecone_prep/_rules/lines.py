"""Rules on a line as text, beyond what orjson says: a line orjson rejects but Python's json
reads (numbers that are not JSON: the field rules then name them), and keys repeated in one
object (D007), which orjson drops silently."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from .blocks import Lines

# A key written with white space before its colon: the raw text cannot be counted cheaply,
# so such lines take the exact path for duplicate keys.
_SPACED_COLON = re.compile(rb'"\s+:')


def lenient(raw: bytes, exc: orjson.JSONDecodeError, row: int, out: Lines) -> Any:
    """A line orjson rejects: parsed by Python's json when only its numbers are not JSON (NaN,
    Infinity, 1e400: the rules then name the field, R012/R026/R038), else D001."""
    try:
        return json.loads(raw)
    except UnicodeDecodeError as bad:
        message = f"line is not valid UTF-8: byte 0x{raw[bad.start]:02x} at byte {bad.start}"
    except (ValueError, RecursionError):
        message = f"line is not valid JSON: {exc.msg} (at character {exc.pos})"
    out.note(row, "D001", None, message, whole=True)
    return None


def _count_keys(value: dict[str, Any]) -> int:
    """Keys of an object and of the objects in it (not in arrays: a line with objects in
    arrays simply takes the exact path)."""
    return len(value) + sum(_count_keys(v) for v in value.values() if type(v) is dict)


def _outside(raw: bytes, what: bytes, span: tuple[int, int]) -> int:
    """Occurrences of `what` in the line outside `span` (the dense array: no keys there)."""
    return raw.count(what, 0, span[0]) + raw.count(what, span[1])


def duplicate_keys(
    raw: bytes, doc: dict[str, Any], row: int, out: Lines, span: tuple[int, int] | None
) -> None:
    """D007. orjson keeps the last of repeated keys silently; every key is followed by a colon,
    so a line with as many colons as parsed keys has no repeat (the usual case, one count,
    outside the dense array), nor has one where every `"key":` is written compactly and
    counted; the rest is parsed again, keeping every pair."""
    keys = _count_keys(doc)
    span = span or (len(raw), len(raw))
    if _outside(raw, b":", span) == keys:
        return
    compact = (
        _outside(raw, b'":', span) == keys
        and _outside(raw, b'\\":', span) == 0
        and not _SPACED_COLON.search(raw, 0, span[0])
        and not _SPACED_COLON.search(raw, span[1])
    )
    if compact:
        return
    repeated: dict[str, int] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [k for k, _ in items]
        for name in set(names):
            if names.count(name) > 1:
                repeated.setdefault(name, names.count(name))
        return dict(items)

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return
    for name, count in repeated.items():
        out.note(row, "D007", None, f"key {name!r} appears {count} times in the document")

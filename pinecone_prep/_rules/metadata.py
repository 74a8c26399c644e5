"""Metadata rules R030-R038. The one per-row Python path: orjson over slices of the Arrow data
buffer (a cheap vectorised size check first), runnable in worker processes."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from .._spec import MAX_METADATA_BYTES, MAX_SAFE_INT
from . import Hit, problem_hits
from .arrow import strings


@dataclass(frozen=True)
class MetadataTexts:
    """The non-null metadata texts of a column, as plain picklable values: `offsets` into
    `data` (rebased to 0) and the `rows` to parse. What `scan_metadata` takes."""

    offsets: list[int]
    data: bytes | memoryview
    rows: list[int]

    def standalone(self) -> MetadataTexts:
        """A copy that owns its bytes, to send to another process."""
        return MetadataTexts(self.offsets, bytes(self.data), self.rows)


def metadata_texts(md: pa.Array) -> MetadataTexts:
    col = strings(md)
    start, stop = int(col.offsets[0]), int(col.offsets[-1])
    return MetadataTexts(
        (col.offsets - start).tolist(),
        col.data.data[start:stop],  # the ndarray's memoryview: slicing it copies nothing
        np.flatnonzero(col.valid).tolist(),
    )


def metadata_hits(md: pa.Array, problems: Mapping[int, tuple[str, str]] | None = None) -> list[Hit]:
    """R030-R038 on a JSON string column. Null cells are fine (records without metadata).

    `problems` is `scan_metadata(metadata_texts(md))` when the caller ran it elsewhere (in a
    worker process); otherwise it is run here.
    """
    col = strings(md)
    sizes = col.lengths
    hits = []
    big = np.flatnonzero(col.valid & (sizes > MAX_METADATA_BYTES)).astype(np.int64)
    if len(big):
        hits.append(
            Hit(
                "R032",
                "metadata",
                big,
                lambda i: (
                    f"`metadata` is {sizes[i]:,} bytes; the maximum is {MAX_METADATA_BYTES:,}"
                ),
            )
        )
    if problems is None:
        problems = scan_metadata(metadata_texts(md))
    return hits + problem_hits(problems, "metadata")


def metadata_problem(text: bytes | memoryview | str) -> tuple[str, str] | None:
    """(code, message) for the first rule a metadata JSON text breaks, or None when it is fine."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return _not_json(text, exc)
    if type(doc) is not dict:
        return "R031", f"`metadata` must be a JSON object, found {type(doc).__name__}"
    found = parsed_value_problem(doc, text)
    return None if found is None else (found[0], found[2])


def parsed_value_problem(
    values: dict[str, Any], text: bytes | memoryview | str
) -> tuple[str, str, str] | None:
    """`first_value_problem` of `values` that orjson parsed from `text` (the whole object,
    or some of its top-level keys). orjson reads an integer beyond 64 bits as a float: a
    float that wide is judged again as Python's parser reads the text, which keeps it whole
    (R037). Only such records pay for the second parse."""
    found = first_value_problem(values, exact=False)
    if found is None or found[0] != RECHECK:
        return found
    try:
        whole = json.loads(_text(text))
    except (ValueError, RecursionError):  # as deep as orjson reads, deeper than Python's parser
        return first_value_problem(values)
    return first_value_problem({key: whole[key] for key in values})


def _text(text: bytes | memoryview | str) -> str:
    return text if isinstance(text, str) else bytes(text).decode("utf-8")


def _not_json(text: bytes | memoryview | str, exc: Exception) -> tuple[str, str]:
    """Why orjson refused a text: not UTF-8, not JSON, too deep, or NaN/Infinity (which
    Python's parser accepts, unlike JSON)."""
    try:
        raw = _text(text)
    except UnicodeDecodeError:
        return "R030", "`metadata` is not valid UTF-8"
    try:
        json.loads(raw)
    except RecursionError:
        return "R030", "`metadata` nests objects or lists too deeply to be parsed"
    except ValueError as err:
        return "R030", f"`metadata` is not valid JSON: {err}"
    if "depth" in str(exc):
        return "R030", "`metadata` nests objects or lists too deeply to be parsed"
    return "R038", "`metadata` holds NaN, Infinity or a number beyond float64 (not valid JSON)"


def value_problem(doc: dict[str, Any]) -> tuple[str, str] | None:
    """The metadata type rules (R033-R038) on one parsed object: (code, message)."""
    found = first_value_problem(doc)
    return None if found is None else (found[0], found[2])


_ONLY_STR = frozenset({str})  # a list of strings: its items' types, tested at C speed
RECHECK = "recheck"  # a float that may have been an integer beyond 64 bits in the text
_WIDE = 2.0**63


def first_value_problem(doc: dict[str, Any], *, exact: bool = True) -> tuple[str, str, str] | None:
    """(code, key, message) of the first metadata rule (R033-R038) an object breaks. Runs once
    per record: the common types (text, booleans, safe numbers) are tested first and leave at
    once. `exact=False`: the object was parsed by orjson, which reads integers beyond 64 bits
    as floats; such a float is RECHECK, for the caller to parse the text again."""
    for key, value in doc.items():
        if key[:1] == "$":
            return "R036", key, f"metadata key {key!r} starts with `$`"
        kind = type(value)
        if kind is str or kind is bool:
            continue
        if kind is int:
            if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
                continue
            return "R037", key, f"metadata key {key!r} holds {value}, beyond +-2^53 (float64)"
        if kind is float:
            if -_WIDE < value < _WIDE or (exact and math.isfinite(value)):
                continue
            if math.isfinite(value):
                return RECHECK, key, ""
            return "R038", key, f"metadata key {key!r} is not a finite number"
        if kind is list:
            if _ONLY_STR.issuperset(map(type, value)):
                continue
            return "R035", key, f"metadata key {key!r} holds a list with non-string items"
        if kind is dict:
            return "R033", key, f"metadata key {key!r} holds a nested object"
        if value is None:
            return "R034", key, f"metadata key {key!r} is null (remove the key instead)"
    return None


def scan_metadata(texts: MetadataTexts) -> dict[int, tuple[str, str]]:
    """The one per-row Python loop: orjson over slices of the Arrow data buffer. A module-level
    function so a process pool can run it. (A vectorised pre-filter with pyarrow substring and
    regex kernels was measured: it cost more than the per-key checks it saved.)"""
    offsets, data = texts.offsets, texts.data
    problems = {}
    for i in texts.rows:
        found = metadata_problem(data[offsets[i] : offsets[i + 1]])
        if found is not None:
            problems[i] = found
    return problems

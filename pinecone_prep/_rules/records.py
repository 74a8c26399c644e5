"""Record rules R001-R026 on one batch's columns: ids, dense and sparse vectors. Vectorised over
the Arrow buffers; messages are built lazily, only for the rows a report keeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .._codes import Severity
from .._spec import FLOAT32_MAX, MAX_ID_CHARS, MAX_SPARSE_ENTRIES, UINT32_MAX, WARN_SPARSE_ENTRIES
from .._types import Kind
from . import Hit, Rows
from .arrow import (
    dense_matrices,
    flat_list,
    numbers,
    owned_rows,
    rows_of,
    sorted_rows,
    strings,
)


def id_hits(ids: pa.Array, column: str = "id") -> list[Hit]:
    """R001-R004 on a string column of record ids, on its raw buffers (`column`: its name in
    findings and messages)."""
    col = strings(ids)
    lengths = col.lengths
    hits = []

    def shown(i: int) -> str:
        value = col.text(i)
        return repr(value if len(value) <= 60 else value[:57] + "...")

    nulls = np.flatnonzero(~col.valid).astype(np.int64)
    if len(nulls):
        hits.append(Hit("R001", column, nulls, lambda i: f"`{column}` is null"))
    empty = np.flatnonzero(col.valid & (lengths == 0)).astype(np.int64)
    if len(empty):
        hits.append(Hit("R002", column, empty, lambda i: f"`{column}` is the empty string"))
    # Characters <= bytes, so only ids over 512 bytes can be over 512 characters.
    long = np.flatnonzero(col.valid & (lengths > MAX_ID_CHARS)).astype(np.int64)
    long = long[[len(col.text(int(i))) > MAX_ID_CHARS for i in long]] if len(long) else long
    if len(long):
        hits.append(
            Hit(
                "R003",
                column,
                long,
                lambda i: (
                    f"`{column}` has {len(col.text(i))} characters; the maximum is {MAX_ID_CHARS}"
                ),
            )
        )
    start, stop = int(col.offsets[0]), int(col.offsets[-1])
    used = col.data[start:stop]
    if len(used) and (used.max() >= 0x80 or used.min() == 0):  # one pass clears the usual case
        bad_bytes = np.flatnonzero((used >= 0x80) | (used == 0)).astype(np.int64) + start
        bad = rows_of(bad_bytes, col.offsets)
        bad = bad[col.valid[bad]]
        if len(bad):
            hits.append(
                Hit(
                    "R004",
                    column,
                    bad,
                    lambda i: f"`{column}` {shown(i)} is not ASCII or holds NUL",
                )
            )
    return hits


def dense_hits(values: pa.Array, dimension: int | None, column: str = "values") -> list[Hit]:
    """R010-R013 on a list<float> column (`column`: its name in findings and messages)."""
    offsets, _ = flat_list(values)
    lengths = np.diff(offsets)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    hits = []

    nulls = np.flatnonzero(~valid).astype(np.int64)
    if len(nulls):
        hits.append(Hit("R010", column, nulls, lambda i: f"`{column}` is null"))
    rows = np.flatnonzero(valid).astype(np.int64)
    # An empty vector is wrong whatever the dimension: Pinecone has no 0-dimensional vector.
    size = lengths[rows]
    wrong = rows[(size == 0) | (size != dimension)] if dimension else rows[size == 0]
    expected = f"dimension {dimension} expected" if dimension else "no vector is empty"
    if len(wrong):
        hits.append(
            Hit(
                "R011",
                column,
                wrong,
                lambda i: f"`{column}` has {lengths[i]} numbers; {expected}",
            )
        )
    too_big = values.type.value_type == pa.float64()
    bad_parts, zero_parts = [], []
    for group, matrix in dense_matrices(values, rows):
        # One pass of squared norms finds NaN/Inf (non-finite sum) and zero rows (zero sum);
        # flagged rows are rechecked exactly, since float32 sums can overflow or underflow.
        norms = np.einsum("ij,ij->i", matrix, matrix)
        suspect = ~np.isfinite(norms)
        if too_big:
            suspect |= norms > FLOAT32_MAX
        if suspect.any():
            sub = matrix[suspect]
            really = ~np.isfinite(sub).all(axis=1)
            if too_big:
                really |= (np.abs(sub) > FLOAT32_MAX).any(axis=1)
            bad_parts.append(group[suspect][really])
        maybe_zero = norms == 0
        if maybe_zero.any():
            zero_parts.append(group[maybe_zero][~matrix[maybe_zero].any(axis=1)])
    bad = sorted_rows(bad_parts)
    if len(bad):
        hits.append(
            Hit(
                "R012",
                column,
                bad,
                lambda i: f"`{column}` contains NaN, Inf, null, or a number beyond float32",
            )
        )
    zero = sorted_rows(zero_parts)
    if len(zero):
        hits.append(Hit("R013", column, zero, lambda i: f"`{column}` is all zeros"))
    return hits


def _hits(
    code: str, rows: Rows, describe: Callable[[int], str], severity: Severity | None = None
) -> list[Hit]:
    """A sparse rule's hit, when rows break it."""
    return [Hit(code, "sparse_values", rows, describe, severity)] if len(rows) else []


def _rows(mask: npt.NDArray[np.bool_]) -> Rows:
    return np.flatnonzero(mask).astype(np.int64)


def sparse_hits(sparse: pa.Array, kind: Kind | None, column: str = "sparse_values") -> list[Hit]:
    """R020-R026 on a struct<indices: list<int>, values: list<float>> column (`column`: its
    name in findings)."""
    valid = sparse.is_valid().to_numpy(zero_copy_only=False)
    names = [sparse.type.field(i).name for i in range(sparse.type.num_fields)]
    parts = dict(zip(names, sparse.flatten(), strict=True))
    indices, weights = parts["indices"], parts["values"]
    hits = (
        _hits("R020", _rows(~valid), lambda i: "`sparse_values` is null")
        if kind == "sparse"
        else []
    )
    has_i = indices.is_valid().to_numpy(zero_copy_only=False)
    has_v = weights.is_valid().to_numpy(zero_copy_only=False)
    valid &= has_i | has_v
    i_off, i_child = flat_list(indices)
    v_off, v_child = flat_list(weights)
    n_idx = np.where(has_i, np.diff(i_off), 0)
    n_val = np.where(has_v, np.diff(v_off), 0)
    hits += _hits(
        "R021",
        _rows(valid & (n_idx != n_val)),
        lambda i: f"{n_idx[i]} indices but {n_val[i]} values",
    )
    hits += _hits(
        "R022", _rows(valid & (n_idx == 0) & (n_val == 0)), lambda i: "sparse vector has no entries"
    )
    hits += _hits(
        "R025",
        _rows(valid & (n_idx > MAX_SPARSE_ENTRIES)),
        lambda i: f"{n_idx[i]} sparse entries; the maximum is {MAX_SPARSE_ENTRIES}",
    )
    hits += _hits(
        "R025",
        _rows(valid & (n_idx > WARN_SPARSE_ENTRIES) & (n_idx <= MAX_SPARSE_ENTRIES)),
        lambda i: (
            f"{n_idx[i]} sparse entries; some Pinecone docs allow at most {WARN_SPARSE_ENTRIES}"
        ),
        severity="warning",
    )
    hits += _sparse_element_hits(i_off, i_child, v_off, v_child, valid & (n_idx > 1), valid)
    return hits if column == "sparse_values" else [replace(h, column=column) for h in hits]


def _sparse_element_hits(
    i_off: npt.NDArray[np.int64],
    i_child: pa.Array,
    v_off: npt.NDArray[np.int64],
    v_child: pa.Array,
    several: npt.NDArray[np.bool_],
    valid: npt.NDArray[np.bool_],
) -> list[Hit]:
    """R023, R024, R026: find bad flat positions, then the rows that own them."""
    start, stop = int(i_off[0]), int(i_off[-1])
    flat_idx = numbers(i_child, start, stop)
    if flat_idx.dtype.kind == "f":  # nulls inside indices come back as NaN
        bad_pos = ~np.isfinite(flat_idx) | (flat_idx < 0) | (flat_idx > UINT32_MAX)
    elif flat_idx.dtype.kind == "i":
        bad_pos = (flat_idx < 0) | (flat_idx > UINT32_MAX)
    else:
        bad_pos = flat_idx > UINT32_MAX
    hits = _hits(
        "R023",
        owned_rows(bad_pos, i_off, start, valid),
        lambda i: "sparse index outside 0..4,294,967,295 (uint32) or null",
    )
    dupes = _duplicate_entries(flat_idx, i_off - start, several)
    hits += _hits("R024", dupes, lambda i: "the same sparse index appears twice")
    v_start, v_stop = int(v_off[0]), int(v_off[-1])
    flat_w = numbers(v_child, v_start, v_stop)
    bad_w = owned_rows(~np.isfinite(flat_w), v_off, v_start, valid)
    return hits + _hits("R026", bad_w, lambda i: "sparse value is NaN, Inf or null")


def _duplicate_entries(
    flat: npt.NDArray[Any], offsets: npt.NDArray[np.int64], candidates: npt.NDArray[np.bool_]
) -> Rows:
    """Rows whose index list repeats a value. Sorted rows (the norm) are cleared in one pass."""
    if len(flat) < 2:
        return np.empty(0, np.int64)
    lengths = np.diff(offsets)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    rising = flat[1:] > flat[:-1]
    same_row = owner[1:] == owner[:-1]
    unsorted = np.unique(owner[1:][same_row & ~rising])
    unsorted = unsorted[candidates[unsorted]]
    if not len(unsorted):
        return np.empty(0, np.int64)
    # Sort each unsorted row's entries (lexsort by row, then value) and compare neighbours.
    keep = np.isin(owner, unsorted)
    sub_owner, sub_flat = owner[keep], flat[keep]
    order = np.lexsort((sub_flat, sub_owner))
    so, sf = sub_owner[order], sub_flat[order]
    repeated = (so[1:] == so[:-1]) & (sf[1:] == sf[:-1])
    return np.unique(so[1:][repeated]).astype(np.int64)


def duplicate_id(first: object) -> str:
    """R005's message, given where the id was first seen."""
    return f"duplicate id; first seen at {first}"


def identical_vector(first: object, column: str = "values") -> str:
    """R014's message, given where the vector was first seen (`column`: the field holding it)."""
    return f"`{column}` identical to the record at {first}; Pinecone skips or fails on the second"

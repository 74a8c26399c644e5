"""Duplicate detection in bounded memory: 64-bit hashes per record, sorted in numpy.

Only 8 bytes per record are kept (the record's position is its index in the hash array).
Equal hashes are only candidates: the caller confirms them on the real values, so a hash
collision is never reported as a duplicate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from ._rules import dense_matrices
from ._storage import Store

Hashes = npt.NDArray[np.uint64]
Ordinals = npt.NDArray[np.int64]


def hash_strings(arr: pa.Array) -> Hashes:
    """xxhash-style 64-bit hashes of a string column (polars, vectorised)."""
    return pl.Series(values=arr).hash(seed=0).to_numpy()


def hash_rows(matrix: npt.NDArray[Any]) -> Hashes:
    """64-bit hashes of each row's bytes, as one fixed-size-binary column (zero-copy)."""
    matrix = np.ascontiguousarray(matrix)
    width = matrix.shape[1] * matrix.itemsize
    column = pa.Array.from_buffers(pa.binary(width), len(matrix), [None, pa.py_buffer(matrix)])
    return pl.Series(values=column).hash(seed=0).to_numpy()


class DuplicateFinder:
    """Collects hashes in record order; `candidates()` groups the records whose hashes repeat."""

    def __init__(self) -> None:
        self._parts: list[Hashes] = []
        self._skip: list[Ordinals] = []
        self.count = 0

    def add(self, hashes: Hashes, skip: npt.NDArray[np.bool_] | None = None) -> None:
        """Append the next records' hashes; `skip` marks records to leave out (e.g. nulls)."""
        if skip is not None and skip.any():
            self._skip.append(np.flatnonzero(skip).astype(np.int64) + self.count)
        self._parts.append(hashes)
        self.count += len(hashes)

    def add_missing(self, n: int) -> None:
        """Records that exist but cannot be hashed (unreadable column): keep ordinals aligned."""
        self.add(np.zeros(n, np.uint64), np.ones(n, np.bool_))

    def candidates(self) -> list[Ordinals]:
        """Groups of record ordinals (ascending) with equal hashes, ordered by first record."""
        if not self._parts:
            return []
        hashes = np.concatenate(self._parts)
        self._parts = [hashes]
        keep = np.ones(len(hashes), np.bool_)
        if self._skip:
            keep[np.concatenate(self._skip)] = False
        ordinals = np.flatnonzero(keep).astype(np.int64)
        kept = hashes[ordinals]
        # Sorting the hashes (not argsort: 2-3x faster) finds the repeated values; only the
        # few records holding them are then grouped.
        ranked = np.sort(kept)
        dup_values = np.unique(ranked[1:][ranked[1:] == ranked[:-1]])
        if not len(dup_values):
            return []
        members = np.flatnonzero(np.isin(kept, dup_values))
        ords, vals = ordinals[members], kept[members]
        order = np.argsort(vals, kind="stable")  # stable: ordinals stay ascending in a group
        ords, vals = ords[order], vals[order]
        bounds = np.flatnonzero(np.diff(vals)) + 1
        groups = np.split(ords, bounds)
        return sorted(groups, key=lambda g: int(g[0]))


def vector_hashes(values: pa.Array) -> tuple[Hashes, npt.NDArray[np.bool_]]:
    """Hashes of each dense vector's bytes, and which rows have none (null: to skip)."""
    hashes = np.zeros(len(values), np.uint64)
    skip = np.ones(len(values), np.bool_)
    for rows, matrix in dense_matrices(values):
        hashes[rows] = hash_rows(matrix)
        skip[rows] = False
    return hashes, skip


def read_back(store: Store, key: str, rows: Ordinals, column: str) -> dict[int, Any]:
    """Confirming candidates: the `column` value at each of `rows` (0-based in the Parquet
    object `key`), as it was hashed: text for ids, bytes for vectors. Only the row groups that
    hold the rows are read, in batches (files can be gigabytes)."""
    rows = np.unique(rows)
    meta = store.read_footer(key)
    starts = np.cumsum([0, *(meta.row_group(i).num_rows for i in range(meta.num_row_groups))])
    groups = np.searchsorted(starts, rows, side="right") - 1
    out: dict[int, Any] = {}
    for in_group in np.split(rows, np.flatnonzero(np.diff(groups)) + 1):
        if not len(in_group):
            continue
        group = int(np.searchsorted(starts, in_group[0], side="right") - 1)
        wanted = in_group - starts[group]  # positions in the group
        seen = 0
        for batch in store.batches(key, meta, row_groups=[group], columns=[column]):
            inside = wanted[(wanted >= seen) & (wanted < seen + batch.num_rows)]
            cells = batch.column(0).take(pa.array(inside - seen))
            for position, cell in zip(inside.tolist(), cells, strict=True):
                value = cell.as_py() if column == "id" else cell.values.to_numpy().tobytes()
                out[int(starts[group]) + position] = value
            seen += batch.num_rows
    return out

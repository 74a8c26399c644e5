"""Duplicate detection in bounded memory: 64-bit hashes per record, sorted in numpy.

Only 8 bytes per record are kept (the record's position is its index in the hash array).
Equal hashes are only candidates: they are confirmed on the real values (`equal_classes`), so
a hash collision is never reported as a duplicate. The hashes are plain numpy arithmetic (no
polars on the check path, which keeps start-up short), deterministic across processes, so
parts hashed by different workers can be merged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ._rules.arrow import dense_matrices, strings
from ._storage import Store

Hashes = npt.NDArray[np.uint64]
Ordinals = npt.NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STRING_BLOCK = 1 << 20  # bytes of ids hashed at once: bounds the uint64 temporaries


def _mix(z: Hashes) -> Hashes:
    """splitmix64's finalizer: spreads every input bit over the whole word."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


_weights: Hashes = np.empty(0, np.uint64)


def _weights_for(n: int) -> Hashes:
    """n odd pseudo-random 64-bit weights, the same in every process (a pure function of the
    position); grown by doubling and shared."""
    global _weights
    if len(_weights) < n:
        size = max(n, 2 * len(_weights), 1024)
        _weights = _mix(np.arange(1, size + 1, dtype=np.uint64) * _GOLDEN) | np.uint64(1)
    return _weights[:n]


# Strings hash as polynomials in an odd base B mod 2^64: with prefix sums of b_i * B^i over the
# whole buffer, a string's sum is (S[end] - S[start]) * B^-start (odd numbers are invertible
# mod 2^64). A few passes over the bytes, no per-byte index arrays.
_BASE = 0x100000001B3
_powers: tuple[Hashes, Hashes] = (np.empty(0, np.uint64), np.empty(0, np.uint64))


def _powers_for(n: int) -> tuple[Hashes, Hashes]:
    """(B^i, B^-i) for i < n, mod 2^64 (numpy's integer products wrap)."""
    global _powers
    if len(_powers[0]) < n:
        size = max(n, 2 * len(_powers[0]), 1024)
        inverse = pow(_BASE, -1, 2**64)
        up, down = np.ones(size, np.uint64), np.ones(size, np.uint64)
        np.cumprod(np.full(size - 1, _BASE, np.uint64), out=up[1:])
        np.cumprod(np.full(size - 1, inverse, np.uint64), out=down[1:])
        _powers = (up, down)
    return _powers[0][:n], _powers[1][:n]


def hash_strings(arr: pa.Array) -> Hashes:
    """A 64-bit hash per string (nulls hash as empty strings: callers skip them)."""
    col = strings(arr)
    lengths = col.lengths
    out = np.zeros(len(lengths), np.uint64)
    row = 0
    while row < len(lengths):  # blocks of rows holding about _STRING_BLOCK bytes
        stop = int(np.searchsorted(col.offsets, col.offsets[row] + _STRING_BLOCK, "right"))
        stop = min(max(stop - 1, row + 1), len(lengths))
        out[row:stop] = _hash_block(col.data, col.offsets[row : stop + 1])
        row = stop
    return _mix(out ^ (lengths.astype(np.uint64) * _GOLDEN))


def _hash_block(data: npt.NDArray[np.uint8], offsets: Ordinals) -> Hashes:
    start, stop = int(offsets[0]), int(offsets[-1])
    up, down = _powers_for(stop - start + 1)
    terms = data[start:stop].astype(np.uint64)
    terms += np.uint64(1)
    terms *= up[: stop - start]
    sums = np.zeros(stop - start + 1, np.uint64)
    np.cumsum(terms, out=sums[1:])
    rel = offsets - start
    return (sums[rel[1:]] - sums[rel[:-1]]) * down[rel[:-1]]


def hash_rows(matrix: npt.NDArray[Any]) -> Hashes:
    """A 64-bit hash of each row's bytes: an integer dot product with the weights, wrapped."""
    matrix = np.ascontiguousarray(matrix)
    width = matrix.shape[1] * matrix.itemsize
    # 8-byte words when rows allow (float32 vectors of even dimension), else bytes
    words = matrix.view(np.uint64) if width % 8 == 0 else matrix.view(np.uint8).astype(np.uint64)
    # einsum, not `@`: numpy's integer matmul has no fast kernel (measured 1.6x slower)
    sums: Hashes = np.einsum("ij,j->i", words, _weights_for(words.shape[1]))
    return _mix(sums ^ np.uint64(width))


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


def equal_classes(groups: list[Ordinals], values: Mapping[int, Any]) -> list[list[int]]:
    """Confirm hash candidates: within each group, the records whose `values` (read back) are
    really equal, as classes of two or more ordinals, each ascending, in order of first record.
    The checker reports every later member against the first; the writer keeps the first."""
    classes = []
    for group in groups:
        by_value: dict[Any, list[int]] = {}
        for ordinal in group.tolist():
            by_value.setdefault(values[ordinal], []).append(ordinal)
        classes += [members for members in by_value.values() if len(members) > 1]
    return sorted(classes, key=lambda members: members[0])


def read_back(store: Store, key: str, rows: Ordinals, column: str) -> dict[int, Any]:
    """Confirming candidates: the `column` value at each of `rows` (0-based in the Parquet
    object `key`), as it was hashed: text for ids, bytes for vectors. Only the row groups that
    hold the rows are read, in one pass over the file (files can be gigabytes)."""
    rows = np.unique(rows)
    meta = store.read_footer(key)
    starts = np.cumsum([0, *(meta.row_group(i).num_rows for i in range(meta.num_row_groups))])
    groups = np.unique(np.searchsorted(starts, rows, side="right") - 1)
    # Rows of the selected groups, renumbered as one stream in group order.
    sizes = starts[groups + 1] - starts[groups]
    firsts = np.cumsum(np.concatenate(([0], sizes)))[:-1]
    which = np.searchsorted(groups, np.searchsorted(starts, rows, side="right") - 1)
    wanted = rows - starts[groups[which]] + firsts[which]
    out: dict[int, Any] = {}
    seen = 0
    for batch in store.batches(key, meta, row_groups=groups.tolist(), columns=[column]):
        inside = (wanted >= seen) & (wanted < seen + batch.num_rows)
        cells = batch.column(0).take(pa.array(wanted[inside] - seen))
        for row, cell in zip(rows[inside].tolist(), cells, strict=True):
            out[row] = cell.as_py() if column == "id" else cell.values.to_numpy().tobytes()
        seen += batch.num_rows
    return out

"""Zero-copy views of Arrow columns and the type predicates the rules judge with, as Parquet
stores types (dictionary encoding, large and fixed-size lists, string views are storage details)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from . import Rows


def _unwrap(t: pa.DataType) -> pa.DataType:
    """Dictionary encoding is a storage detail: judge the value type."""
    return t.value_type if pa.types.is_dictionary(t) else t


def is_string_type(t: pa.DataType) -> bool:
    t = _unwrap(t)
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def is_list_type(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or pa.types.is_list_view(t)
        or pa.types.is_large_list_view(t)
    )


def is_float_list(t: pa.DataType) -> bool:
    return is_list_type(t) and (
        pa.types.is_float32(t.value_type) or pa.types.is_float64(t.value_type)
    )


def is_int_list(t: pa.DataType) -> bool:
    return is_list_type(t) and pa.types.is_integer(t.value_type)


def sparse_fields(t: pa.DataType) -> tuple[pa.DataType, pa.DataType] | None:
    """(indices type, values type) when `t` is struct<indices: list<int>, values: list<float>>."""
    if not pa.types.is_struct(t):
        return None
    names = {t.field(i).name: t.field(i).type for i in range(t.num_fields)}
    if set(names) != {"indices", "values"}:
        return None
    if not (is_int_list(names["indices"]) and is_float_list(names["values"])):
        return None
    return names["indices"], names["values"]


def where(mask: pa.Array | npt.NDArray[np.bool_]) -> Rows:
    if isinstance(mask, pa.Array | pa.ChunkedArray):
        mask = mask.fill_null(False).to_numpy(zero_copy_only=False)
    return np.flatnonzero(mask).astype(np.int64)


def flat_list(arr: pa.Array) -> tuple[npt.NDArray[np.int64], pa.Array]:
    """Offsets (length n+1, into the child) and the child of any list-like array, zero-copy."""
    t = arr.type
    if pa.types.is_fixed_size_list(t):
        size = int(t.list_size)
        offsets = (np.arange(len(arr) + 1, dtype=np.int64) + arr.offset) * size
        return offsets, arr.values
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        arr = arr.cast(pa.large_list(t.value_type))
    return np.asarray(arr.offsets, dtype=np.int64), arr.values


def numbers(child: pa.Array, start: int, stop: int) -> npt.NDArray[Any]:
    """The child's elements [start, stop) as numpy: zero-copy without nulls; with nulls a
    float copy where each null is NaN, so element rules see nulls as non-finite."""
    return np.asarray(child.slice(start, stop - start).to_numpy(zero_copy_only=False))


def rows_of(positions: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]) -> Rows:
    """Map flat child positions to the (unique, ascending) rows whose list holds them."""
    rows = np.searchsorted(offsets, positions, side="right") - 1
    return np.unique(rows).astype(np.int64)


@dataclass(frozen=True)
class Strings:
    """A string column as zero-copy numpy views: byte offsets, UTF-8 bytes, validity."""

    offsets: npt.NDArray[np.int64]
    data: npt.NDArray[np.uint8]
    valid: npt.NDArray[np.bool_]

    @property
    def lengths(self) -> npt.NDArray[np.int64]:
        return np.diff(self.offsets)

    def text(self, i: int) -> str:
        return bytes(self.data[self.offsets[i] : self.offsets[i + 1]]).decode("utf-8", "replace")


def strings(arr: pa.Array) -> Strings:
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_string_view(arr.type):
        arr = arr.cast(pa.large_string())
    _, offset_buffer, data_buffer = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(offset_buffer, width)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer else np.empty(0, np.uint8)
    valid = (
        np.ones(len(arr), np.bool_)
        if arr.null_count == 0
        else np.asarray(arr.is_valid().to_numpy(zero_copy_only=False))
    )
    return Strings(offsets.astype(np.int64), data, valid)


def _length_groups(lengths: npt.NDArray[np.int64], rows: Rows) -> Iterator[tuple[int, Rows]]:
    for length in np.unique(lengths[rows]):
        yield int(length), rows[lengths[rows] == length]


def dense_matrices(
    values: pa.Array, rows: Rows | None = None
) -> Iterator[tuple[Rows, npt.NDArray[np.floating[Any]]]]:
    """Yield (rows, matrix) per distinct vector length over the non-null rows.

    The usual case, every row the same length, is a zero-copy reshape of the child buffer;
    mixed lengths gather their rows.
    """
    offsets, child = flat_list(values)
    lengths = np.diff(offsets)
    if rows is None:
        rows = where(values.is_valid())
    start, stop = int(offsets[0]), int(offsets[-1])
    flat = numbers(child, start, stop)
    for length, group in _length_groups(lengths, rows):
        if length == 0:
            continue
        if len(group) * length == stop - start:  # these rows own every element, in order
            yield group, flat.reshape(len(group), length)
        else:
            index = (offsets[group] - start)[:, None] + np.arange(length)
            yield group, flat[index]


def sorted_rows(parts: list[Rows]) -> Rows:
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)


def vector_lengths(values: pa.Array) -> set[int]:
    """The distinct lengths of the non-null vectors."""
    offsets, _ = flat_list(values)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    return set(np.unique(np.diff(offsets)[valid]).tolist())


def first_length(values: pa.Array) -> int | None:
    """The length of the first non-null vector (the namespace dimension when none is given)."""
    valid = where(values.is_valid())
    if not len(valid):
        return None
    offsets, _ = flat_list(values.slice(int(valid[0]), 1))
    return int(offsets[1] - offsets[0])


def owned_rows(
    bad: npt.NDArray[np.bool_],
    offsets: npt.NDArray[np.int64],
    start: int,
    valid: npt.NDArray[np.bool_],
) -> Rows:
    positions = np.flatnonzero(bad).astype(np.int64) + start
    if not len(positions):
        return positions
    rows = rows_of(positions, offsets)
    return rows[valid[rows]]

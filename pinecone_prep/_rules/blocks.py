"""A block of parsed documents as the Arrow columns the vectorised record rules take: the
dense field as list<double>, the sparse field as indices int64 / values float32 (the Parquet
rules' raw sparse type), null where a document has none."""

from __future__ import annotations

import math
from itertools import chain
from typing import Any

import numpy as np
import pyarrow as pa

from .._spec import RAW_SPARSE_TYPE


def dense_array(rows: int, dense: list[tuple[int, list[Any]]]) -> pa.Array:
    """The block's dense field as list<double>, null where a row has none."""
    lengths = np.zeros(rows, np.int64)
    valid = np.zeros(rows, np.bool_)
    at = np.fromiter((r for r, _ in dense), np.int64, len(dense))
    lengths[at] = np.fromiter((len(v) for _, v in dense), np.int64, len(dense))
    valid[at] = True
    flat = np.fromiter(chain.from_iterable(v for _, v in dense), np.float64, int(lengths.sum()))
    return _list(pa.array(flat), lengths, valid, pa.list_(pa.float64()))


def sparse_array(rows: int, sparse: list[tuple[int, list[Any], list[Any]]]) -> pa.Array:
    """The block's sparse field in the rules' type (indices int64, values float32), null where
    a row has none. A null index, or one beyond int64, becomes -1 (R023); a null value NaN."""
    valid = np.zeros(rows, np.bool_)
    n_idx = np.zeros(rows, np.int64)
    n_val = np.zeros(rows, np.int64)
    flat_i: list[int] = []
    flat_v: list[float] = []
    for row, indices, weights in sparse:
        valid[row] = True
        n_idx[row], n_val[row] = len(indices), len(weights)
        flat_i += [v if type(v) is int and -(2**63) <= v < 2**63 else -1 for v in indices]
        flat_v += [math.nan if v is None else v for v in weights]
    with np.errstate(over="ignore"):  # beyond float32: Inf, which R026 rejects
        weights32 = np.asarray(flat_v, np.float64).astype(np.float32)
    parts = [
        _list(pa.array(np.asarray(flat_i, np.int64)), n_idx, valid, RAW_SPARSE_TYPE[0].type),
        _list(pa.array(weights32), n_val, valid, RAW_SPARSE_TYPE[1].type),
    ]
    return pa.StructArray.from_arrays(parts, fields=list(RAW_SPARSE_TYPE), mask=pa.array(~valid))


def _list(child: pa.Array, lengths: Any, valid: Any, t: pa.DataType) -> pa.Array:
    offsets = np.zeros(len(lengths) + 1, np.int32)
    np.cumsum(np.where(valid, lengths, 0), out=offsets[1:])
    mask = pa.array(~valid) if not valid.all() else None
    return pa.ListArray.from_arrays(pa.array(offsets), child, type=t, mask=mask)

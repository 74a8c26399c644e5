"""A block of documents being judged (`Lines`): the problems the per-document pass notes, and
the columns the vectorised record rules take: the dense field as list<double>, the sparse
field as indices int64 / values float32 (the Parquet rules' raw sparse type), null where a
document has none."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .._spec import RAW_SPARSE_TYPE
from . import Hit

Problem = tuple[int, str, str | None, str]  # (row in the block, code, column, message)
WHOLE = "*"  # `Lines.explained` key: rows that hold no document (every column explained)


@dataclass
class Lines:
    """One block of lines being judged: what the vectorised rules need, and the problems the
    per-document pass found. `explained[column]` holds rows whose problem in that column is
    already noted (the vectorised rules skip them)."""

    rows: int = 0
    ids: list[str | None] = field(default_factory=list)
    dense: list[tuple[int, npt.NDArray[np.float64]]] = field(default_factory=list)
    sparse: list[tuple[int, list[Any], list[Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    explained: dict[str, set[int]] = field(default_factory=dict)

    def add(self) -> int:
        """A new row (no id yet); its index."""
        self.ids.append(None)
        self.rows += 1
        return self.rows - 1

    def note(
        self, row: int, code: str, column: str | None, message: str, *, whole: bool = False
    ) -> None:
        """A problem of `row`; `whole`: the row has no document to judge further."""
        self.problems.append((row, code, column, message))
        key = WHOLE if whole else column
        if key is not None:
            self.explained.setdefault(key, set()).add(row)


def unexplained(hits: list[Hit], explained: dict[str, set[int]]) -> list[Hit]:
    """The vectorised rules' hits less the rows whose problem in that column (or whole) is
    noted already."""
    kept = []
    for hit in hits:
        skip = explained.get(hit.column, set()) | explained.get(WHOLE, set())
        if skip:
            keep = np.array([r not in skip for r in hit.rows.tolist()], np.bool_)
            hit = Hit(hit.code, hit.column, hit.rows[keep], hit.describe, hit.severity)
        if len(hit.rows):
            kept.append(hit)
    return kept


def problem_hits(problems: list[Problem]) -> list[Hit]:
    """Per-document problems as hits, one per code and column."""
    by_key: dict[tuple[str, str | None], dict[int, str]] = {}
    for row, code, column, message in problems:
        by_key.setdefault((code, column), {}).setdefault(row, message)
    return [
        Hit(code, column or "", np.fromiter(rows, np.int64, len(rows)), rows.__getitem__)
        for (code, column), rows in by_key.items()
    ]


def dense_array(rows: int, dense: list[tuple[int, npt.NDArray[np.float64]]]) -> pa.Array:
    """The block's dense field as list<double>, null where a row has none."""
    lengths = np.zeros(rows, np.int64)
    valid = np.zeros(rows, np.bool_)
    at = np.fromiter((r for r, _ in dense), np.int64, len(dense))
    lengths[at] = np.fromiter((v.size for _, v in dense), np.int64, len(dense))
    valid[at] = True
    flat = np.concatenate([v for _, v in dense]) if dense else np.empty(0, np.float64)
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

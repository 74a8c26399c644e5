"""Dense and sparse vectors in the writer's types: list<float32>, and sparse vectors with wide
indices (so that out-of-range ones can be reported) until `final_sparse` narrows them. float64
beyond the float32 range becomes +-Inf, which the rules reject (R012): a number is never
silently changed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from .._errors import UsageError
from .._rules import Rows
from .._rules.arrow import is_list_type, is_string_type
from .._spec import RAW_SPARSE_TYPE, SPARSE_TYPE, VALUES_TYPE
from .cells import Column, Problems, as_arrow, missing_cells

# One element of a vector written as text: a decimal number, or nan/inf (which R012 rejects).
_NUMBER = r"(?i)^[-+]?((\d+\.?\d*|\.\d+)(e[-+]?\d+)?|nan|inf|infinity)$"
_SEPARATORS = r"[,;\s]+"  # "[0.1, 0.2]", numpy's "[0.1 0.2]", "0.1;0.2"


def values_column(col: Column, name: str) -> tuple[pa.Array, Problems]:
    """Dense vectors as list<float32>, and the rows that cannot be vectors (null there)."""
    if isinstance(col, np.ndarray):
        return _from_objects(col, name)
    t = col.type
    if pa.types.is_null(t):
        return pa.nulls(len(col), VALUES_TYPE), {}
    if is_string_type(t):
        return _from_text(col.cast(pa.string()))
    if not is_list_type(t) or not _numeric_or_null(t.value_type):
        raise UsageError(f"column {name!r} must hold vectors (lists of numbers), found {t}")
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        col = col.cast(pa.large_list(t.value_type))
    if pa.types.is_integer(t.value_type):  # exact in float64, then rounded like any float
        col = col.cast(pa.large_list(pa.float64()))
    return col.cast(VALUES_TYPE), {}


def _numeric_or_null(t: pa.DataType) -> bool:
    return bool(pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_null(t))


def _from_objects(cells: npt.NDArray[np.object_], name: str) -> tuple[pa.Array, Problems]:
    """Per-row arrays (or lists) stacked into one matrix: no per-row conversion to Arrow. Rows
    that do not stack (other lengths, a None inside) take the per-row path, measured at about
    40k rows/s, paid only by such columns."""
    missing = missing_cells(cells)
    present = cells[~missing]
    if len(present) and isinstance(present[0], str):
        return values_column(as_arrow(cells, name), name)
    problems: Problems = {}
    try:
        matrix = np.stack(list(present)) if len(present) else np.empty((0, 0), np.float32)
        if matrix.ndim != 2 or matrix.dtype.kind not in "fiub":
            raise TypeError
        lengths = np.full(len(present), matrix.shape[1], np.int64)
        flat = matrix.reshape(-1)
    except (ValueError, TypeError):
        flat, lengths, bad = _row_by_row(present)
        rows = np.flatnonzero(~missing)
        problems = {int(rows[i]): ("R012", reason) for i, reason in bad.items()}
    with np.errstate(over="ignore", invalid="ignore"):  # beyond float32: Inf, which R012 rejects
        flat32 = flat.astype(np.float32, copy=False)  # float32 input: no second copy
    all_lengths = np.zeros(len(cells), np.int64)
    all_lengths[~missing] = lengths
    missing[list(problems)] = True
    return list_array(pa.array(flat32), all_lengths, missing, VALUES_TYPE), problems


def _row_by_row(
    cells: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], dict[int, str]]:
    """Each cell as a 1-D float vector (None inside becomes NaN: R012); a cell that is not one
    is a problem of its row, never of the whole call."""
    parts: list[npt.NDArray[np.float64]] = []
    bad: dict[int, str] = {}
    for i, cell in enumerate(cells.tolist()):
        try:
            part = np.asarray(cell, dtype=np.float64)
            if part.ndim != 1:
                raise ValueError(f"a {part.ndim}-D array")
        except (ValueError, TypeError) as exc:
            bad[i] = f"cannot read this vector as numbers: {str(exc)[:80]}"
            part = np.empty(0, np.float64)
        parts.append(part)
    lengths = np.fromiter((p.size for p in parts), np.int64, len(parts))
    flat = np.concatenate(parts) if parts else np.empty(0, np.float64)
    return flat, lengths, bad


def list_array(
    child: pa.Array, lengths: npt.NDArray[np.int64], missing: npt.NDArray[np.bool_], t: pa.DataType
) -> pa.Array:
    offsets = np.zeros(len(lengths) + 1, np.int32)
    np.cumsum(np.where(missing, 0, lengths), out=offsets[1:])
    if len(child) != offsets[-1]:  # rows made missing after the fact: drop their elements
        keep = np.repeat(~missing, lengths)
        child = child.filter(pa.array(keep))
    mask = pa.array(missing) if missing.any() else None
    return pa.ListArray.from_arrays(pa.array(offsets), child, type=t, mask=mask)


def _from_text(text: pa.Array) -> tuple[pa.Array, Problems]:
    """Vectors written as text ("[0.1, 2e-3]", "[0.1 2e-3]", "0.1;0.2"): split and parsed in
    Arrow. A row with an element that is not a number is a problem (null vector)."""
    inner = pc.utf8_trim(pc.utf8_trim_whitespace(text), "[]")
    inner = pc.utf8_trim_whitespace(inner)
    parts = pc.split_pattern_regex(inner, _SEPARATORS)
    empty = pc.fill_null(pc.equal(pc.utf8_length(inner), 0), False).to_numpy(zero_copy_only=False)
    elements = pc.list_flatten(parts)
    owners = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
    elements = elements.filter(pa.array(~empty[owners]))
    owners = owners[~empty[owners]]
    numbers = pc.match_substring_regex(elements, _NUMBER).to_numpy(zero_copy_only=False)
    problems: Problems = {}
    for at in np.flatnonzero(~numbers).tolist():
        row = int(owners[at])
        if row not in problems:
            shown = str(elements[at].as_py())[:40]
            problems[row] = ("R012", f"cannot parse this vector: {shown!r} is not a number")
    parsed = pc.cast(
        pc.if_else(pa.array(numbers), elements, pa.scalar(None, pa.string())), pa.float64()
    ).cast(pa.float32())
    lengths = pc.list_value_length(parts).fill_null(0).to_numpy(zero_copy_only=False)
    lengths = np.where(empty, 0, lengths).astype(np.int64)
    missing = text.is_null().to_numpy(zero_copy_only=False).copy()
    missing[list(problems)] = True
    return list_array(parsed, lengths, missing, VALUES_TYPE), problems


def sparse_column(col: Column, name: str) -> pa.Array:
    """Sparse vectors from {indices, values} dicts or structs, as RAW_SPARSE_TYPE. A row whose
    indices and values are both null has no sparse part: it becomes a null row."""
    arr = as_arrow(col, name)
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), RAW_SPARSE_TYPE)
    names = [t.field(i).name for i in range(t.num_fields)] if pa.types.is_struct(t) else []
    if sorted(names) != ["indices", "values"]:
        raise UsageError(
            f"column {name!r} must hold sparse vectors ({{'indices': [...], 'values': [...]}}),"
            f" found {t}"
        )
    parts = dict(zip(names, arr.flatten(), strict=True))
    indices, weights = parts["indices"], parts["values"]
    for part, ok in ((indices, pa.types.is_integer), (weights, _is_number)):
        pt = part.type
        if not (pa.types.is_null(pt) or (is_list_type(pt) and _or_null(ok)(pt.value_type))):
            raise UsageError(
                f"column {name!r}: sparse indices must be integers and values numbers, found {t}"
            )
    # uint64 indices beyond int64 wrap to negative numbers: still outside uint32, still R023.
    wide = _as_list(indices).cast(pa.list_(pa.int64()), safe=False)
    numbers = _as_list(weights).cast(pa.list_(pa.float64())).cast(pa.list_(pa.float32()))
    valid = arr.is_valid()
    valid = pc.and_(valid, pc.or_(indices.is_valid(), weights.is_valid()))
    return pa.StructArray.from_arrays(
        [wide, numbers], fields=list(RAW_SPARSE_TYPE), mask=pc.invert(valid)
    )


def _is_number(t: pa.DataType) -> bool:
    return bool(pa.types.is_floating(t) or pa.types.is_integer(t))


def _or_null(ok: Callable[[pa.DataType], bool]) -> Callable[[pa.DataType], bool]:
    """Lists of nothing but nulls (or empty lists) infer as list<null>: accept those too."""
    return lambda t: bool(ok(t) or pa.types.is_null(t))


def _as_list(arr: pa.Array) -> pa.Array:
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.list_(pa.null()))
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        return arr.cast(pa.large_list(t.value_type))
    return arr


def final_sparse(raw: pa.Array) -> pa.Array:
    """RAW_SPARSE_TYPE rows that passed the rules as SPARSE_TYPE: indices uint32, each row's
    entries sorted by index (values moved with them)."""
    valid = raw.is_valid().to_numpy(zero_copy_only=False)
    indices, weights = raw.flatten()
    i_off = np.asarray(indices.offsets, np.int64)
    v_off = np.asarray(weights.offsets, np.int64)
    lengths = np.where(valid, np.diff(i_off), 0)
    flat_i = indices.values.to_numpy(zero_copy_only=False)[_positions(i_off[:-1], lengths)]
    flat_v = weights.values.to_numpy(zero_copy_only=False)[_positions(v_off[:-1], lengths)]
    owner = np.repeat(np.arange(len(lengths)), lengths)
    rising = flat_i[1:] > flat_i[:-1]
    if not (rising | (owner[1:] != owner[:-1])).all():
        order = np.lexsort((flat_i, owner))  # by row, then index: rows keep their ranges
        flat_i, flat_v = flat_i[order], flat_v[order]
    missing = ~valid
    return pa.StructArray.from_arrays(
        [
            list_array(pa.array(flat_i.astype(np.uint32)), lengths, missing, SPARSE_TYPE[0].type),
            list_array(pa.array(flat_v, pa.float32()), lengths, missing, SPARSE_TYPE[1].type),
        ],
        fields=list(SPARSE_TYPE),
        mask=pa.array(missing) if missing.any() else None,
    )


def _positions(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> Rows:
    """Flat positions of the ranges [start, start + length), concatenated, vectorised."""
    total = int(lengths.sum())
    if not total:
        return np.empty(0, np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts - (ends - lengths), lengths)
    positions: Rows = np.arange(total, dtype=np.int64) + shift
    return positions

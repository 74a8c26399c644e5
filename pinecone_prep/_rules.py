"""The rules, as pure functions over pyarrow objects. Shared by the checker and the writer.

Schema rules look at an Arrow schema (as read from a Parquet footer) and return `Issue`s.
Record rules look at one column of a batch and return `Hit`s: a code and the rows (indices into
the batch) that break it. Messages are built lazily, only for the rows a report keeps.
Everything here is vectorised except the metadata JSON rules, where orjson per value is the
fastest path there is (and a cheap vectorised pre-filter keeps most rows off the slow checks).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa

from ._codes import Severity

Kind = Literal["dense", "sparse", "hybrid"]
KINDS: tuple[Kind, ...] = ("dense", "sparse", "hybrid")
COLUMNS = ("id", "values", "sparse_values", "metadata")

MAX_ID_CHARS = 512
MAX_DENSE_DIMENSION = 20_000
MAX_SPARSE_ENTRIES = 2048
WARN_SPARSE_ENTRIES = 1000
MAX_METADATA_BYTES = 40_960
MAX_SAFE_INT = 2**53
UINT32_MAX = 2**32 - 1
FLOAT32_MAX = float(np.finfo(np.float32).max)

Rows = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Issue:
    """A schema-level rule violation; the caller adds the location."""

    code: str
    message: str
    column: str | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class Hit:
    """One record rule broken by `rows` (ascending indices into the batch) of `column`."""

    code: str
    column: str
    rows: Rows
    describe: Callable[[int], str]
    severity: Severity | None = None


@dataclass(frozen=True)
class Shape:
    """What a file's schema says: its kind, a fixed dimension, and which columns are checkable."""

    kind: Kind | None
    dimension: int | None
    ids: bool
    values: bool
    sparse: bool
    metadata: bool

    @property
    def columns(self) -> list[str]:
        flags = (self.ids, self.values, self.sparse, self.metadata)
        return [name for name, ok in zip(COLUMNS, flags, strict=True) if ok]


# --- type judgement, as Parquet stores types --------------------------------------------------


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


def _is_float_list(t: pa.DataType) -> bool:
    return is_list_type(t) and (
        pa.types.is_float32(t.value_type) or pa.types.is_float64(t.value_type)
    )


def _is_int_list(t: pa.DataType) -> bool:
    return is_list_type(t) and pa.types.is_integer(t.value_type)


def _sparse_fields(t: pa.DataType) -> tuple[pa.DataType, pa.DataType] | None:
    """(indices type, values type) when `t` is struct<indices: list<int>, values: list<float>>."""
    if not pa.types.is_struct(t):
        return None
    names = {t.field(i).name: t.field(i).type for i in range(t.num_fields)}
    if set(names) != {"indices", "values"}:
        return None
    if not (_is_int_list(names["indices"]) and _is_float_list(names["values"])):
        return None
    return names["indices"], names["values"]


def infer_kind(names: set[str]) -> Kind | None:
    if "values" in names:
        return "hybrid" if "sparse_values" in names else "dense"
    return "sparse" if "sparse_values" in names else None


# --- schema rules -------------------------------------------------------------------------------


def schema_issues(
    schema: pa.Schema,
    *,
    kind: Kind | None = None,
    dimension: int | None = None,
    metric: str | None = None,
    extra_columns: Literal["error", "warn"] = "error",
) -> tuple[Shape, list[Issue]]:
    """Judge a file's schema: the Shape to check its rows with, and the S-rule issues."""
    types = {f.name: f.type for f in schema}
    issues: list[Issue] = []

    ids_ok = False
    if "id" not in types:
        issues.append(Issue("S001", "required column `id` is missing", "id"))
    elif not is_string_type(types["id"]):
        issues.append(Issue("S002", f"`id` must be a string column, found {types['id']}", "id"))
    else:
        ids_ok = True

    has_values, has_sparse = "values" in types, "sparse_values" in types
    if not (has_values or has_sparse):
        issues.append(
            Issue("S003", "no vector column: expected `values` and/or `sparse_values`", None)
        )

    values_ok, fixed_dim = False, None
    if has_values:
        t = types["values"]
        if not _is_float_list(t):
            issues.append(
                Issue(
                    "S004", f"`values` must be a list of float32 (or float64), found {t}", "values"
                )
            )
        else:
            values_ok = True
            if pa.types.is_float64(t.value_type):
                issues.append(
                    Issue(
                        "S005",
                        "`values` holds float64; Pinecone narrows it to float32 (write float32)",
                        "values",
                    )
                )
            if pa.types.is_fixed_size_list(t):
                fixed_dim = int(t.list_size)

    sparse_ok = False
    if has_sparse:
        fields = _sparse_fields(types["sparse_values"])
        if fields is None:
            issues.append(
                Issue(
                    "S006",
                    "`sparse_values` must be struct<indices: list<uint32>, values: list<float32>>,"
                    f" found {types['sparse_values']}",
                    "sparse_values",
                )
            )
        else:
            sparse_ok = True
            index_type = fields[0].value_type
            if not pa.types.is_uint32(index_type):
                issues.append(
                    Issue(
                        "S007",
                        f"`sparse_values.indices` is {index_type}; Pinecone expects uint32",
                        "sparse_values",
                    )
                )

    metadata_ok = False
    if "metadata" in types:
        if is_string_type(types["metadata"]):
            metadata_ok = True
        else:
            issues.append(
                Issue(
                    "S008",
                    f"`metadata` must be a JSON-encoded string column, found {types['metadata']}",
                    "metadata",
                )
            )

    for name in types:
        if name not in COLUMNS:
            severity: Severity = "warning" if extra_columns == "warn" else "error"
            issues.append(
                Issue("S009", f"extra column `{name}` is not allowed", name, severity=severity)
            )

    file_kind = infer_kind(set(types))
    issues += kind_issues(file_kind, kind=kind, metric=metric)
    if fixed_dim is not None:
        issues += dimension_issues(fixed_dim, dimension, "fixed_size_list")
    shape = Shape(file_kind, fixed_dim, ids_ok, values_ok, sparse_ok, metadata_ok)
    return shape, issues


def kind_issues(file_kind: Kind | None, *, kind: Kind | None, metric: str | None) -> list[Issue]:
    """S010/S011: the file's vector columns against the index kind and metric, when given."""
    if file_kind is None:
        return []
    issues = []
    has_values = file_kind in ("dense", "hybrid")
    has_sparse = file_kind in ("sparse", "hybrid")
    if kind == "sparse" and has_values:
        issues.append(Issue("S010", "`values` column present but the index is sparse", "values"))
    if kind == "sparse" and not has_sparse:
        issues.append(
            Issue("S010", "`sparse_values` column missing for a sparse index", "sparse_values")
        )
    if kind in ("dense", "hybrid") and not has_values:
        issues.append(Issue("S010", f"`values` column missing for a {kind} index", "values"))
    if kind in ("dense", "hybrid") and has_sparse and metric and metric != "dotproduct":
        issues.append(
            Issue(
                "S011",
                f"sparse values on a dense index with metric {metric!r}: upserts work but"
                " queries fail (hybrid needs dotproduct)",
                "sparse_values",
            )
        )
    return issues


def dimension_issues(found: int, expected: int | None, source: str) -> list[Issue]:
    """S012: a file's dimension against the expected one and Pinecone's maximum."""
    issues = []
    if expected is not None and found != expected:
        issues.append(
            Issue("S012", f"dimension {found} ({source}) but {expected} expected", "values")
        )
    if found > MAX_DENSE_DIMENSION:
        issues.append(
            Issue(
                "S012",
                f"dimension {found} exceeds Pinecone's maximum {MAX_DENSE_DIMENSION:,}",
                "values",
            )
        )
    return issues


# --- helpers over Arrow buffers ----------------------------------------------------------------


def _where(mask: pa.Array | npt.NDArray[np.bool_]) -> Rows:
    if isinstance(mask, pa.Array | pa.ChunkedArray):
        mask = mask.fill_null(False).to_numpy(zero_copy_only=False)
    return np.flatnonzero(mask).astype(np.int64)


def _flat(arr: pa.Array) -> tuple[npt.NDArray[np.int64], pa.Array]:
    """Offsets (length n+1, into the child) and the child of any list-like array, zero-copy."""
    t = arr.type
    if pa.types.is_fixed_size_list(t):
        size = int(t.list_size)
        offsets = (np.arange(len(arr) + 1, dtype=np.int64) + arr.offset) * size
        return offsets, arr.values
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        arr = arr.cast(pa.large_list(t.value_type))
    return np.asarray(arr.offsets, dtype=np.int64), arr.values


def _numbers(child: pa.Array, start: int, stop: int) -> npt.NDArray[Any]:
    """The child's elements [start, stop) as numpy: zero-copy without nulls; with nulls a
    float copy where each null is NaN, so element rules see nulls as non-finite."""
    return np.asarray(child.slice(start, stop - start).to_numpy(zero_copy_only=False))


def _rows_of(positions: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]) -> Rows:
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


# --- id rules ----------------------------------------------------------------------------------


def id_hits(ids: pa.Array) -> list[Hit]:
    """R001-R004 on a string column of record ids, on its raw buffers."""
    col = strings(ids)
    lengths = col.lengths
    hits = []

    def shown(i: int) -> str:
        value = col.text(i)
        return repr(value if len(value) <= 60 else value[:57] + "...")

    nulls = np.flatnonzero(~col.valid).astype(np.int64)
    if len(nulls):
        hits.append(Hit("R001", "id", nulls, lambda i: "`id` is null"))
    empty = np.flatnonzero(col.valid & (lengths == 0)).astype(np.int64)
    if len(empty):
        hits.append(Hit("R002", "id", empty, lambda i: "`id` is the empty string"))
    # Characters <= bytes, so only ids over 512 bytes can be over 512 characters.
    long = np.flatnonzero(col.valid & (lengths > MAX_ID_CHARS)).astype(np.int64)
    long = long[[len(col.text(int(i))) > MAX_ID_CHARS for i in long]] if len(long) else long
    if len(long):
        hits.append(
            Hit(
                "R003",
                "id",
                long,
                lambda i: f"`id` has {len(col.text(i))} characters; the maximum is {MAX_ID_CHARS}",
            )
        )
    start, stop = int(col.offsets[0]), int(col.offsets[-1])
    used = col.data[start:stop]
    if len(used) and (used.max() >= 0x80 or used.min() == 0):  # one pass clears the usual case
        bad_bytes = np.flatnonzero((used >= 0x80) | (used == 0)).astype(np.int64) + start
        bad = _rows_of(bad_bytes, col.offsets)
        bad = bad[col.valid[bad]]
        if len(bad):
            hits.append(
                Hit("R004", "id", bad, lambda i: f"`id` {shown(i)} is not ASCII or holds NUL")
            )
    return hits


# --- dense vector rules ------------------------------------------------------------------------


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
    offsets, child = _flat(values)
    lengths = np.diff(offsets)
    if rows is None:
        rows = _where(values.is_valid())
    start, stop = int(offsets[0]), int(offsets[-1])
    flat = _numbers(child, start, stop)
    for length, group in _length_groups(lengths, rows):
        if length == 0:
            continue
        if len(group) * length == stop - start:  # these rows own every element, in order
            yield group, flat.reshape(len(group), length)
        else:
            index = (offsets[group] - start)[:, None] + np.arange(length)
            yield group, flat[index]


def dense_hits(values: pa.Array, dimension: int | None) -> list[Hit]:
    """R010-R013 on a list<float> column."""
    offsets, _ = _flat(values)
    lengths = np.diff(offsets)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    hits = []

    nulls = np.flatnonzero(~valid).astype(np.int64)
    if len(nulls):
        hits.append(Hit("R010", "values", nulls, lambda i: "`values` is null"))
    rows = np.flatnonzero(valid).astype(np.int64)
    if dimension is not None:
        wrong = rows[lengths[rows] != dimension]
        if len(wrong):
            hits.append(
                Hit(
                    "R011",
                    "values",
                    wrong,
                    lambda i: f"`values` has {lengths[i]} numbers; dimension {dimension} expected",
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
    bad = _sorted(bad_parts)
    if len(bad):
        hits.append(
            Hit(
                "R012",
                "values",
                bad,
                lambda i: "`values` contains NaN, Inf, null, or a number beyond float32",
            )
        )
    zero = _sorted(zero_parts)
    if len(zero):
        hits.append(Hit("R013", "values", zero, lambda i: "`values` is all zeros"))
    return hits


def _sorted(parts: list[Rows]) -> Rows:
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)


def vector_lengths(values: pa.Array) -> set[int]:
    """The distinct lengths of the non-null vectors."""
    offsets, _ = _flat(values)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    return set(np.unique(np.diff(offsets)[valid]).tolist())


def first_length(values: pa.Array) -> int | None:
    """The length of the first non-null vector (the namespace dimension when none is given)."""
    valid = _where(values.is_valid())
    if not len(valid):
        return None
    offsets, _ = _flat(values.slice(int(valid[0]), 1))
    return int(offsets[1] - offsets[0])


# --- sparse vector rules -----------------------------------------------------------------------


def sparse_hits(sparse: pa.Array, kind: Kind | None) -> list[Hit]:
    """R020-R026 on a struct<indices: list<int>, values: list<float>> column."""
    valid = sparse.is_valid().to_numpy(zero_copy_only=False)
    names = [sparse.type.field(i).name for i in range(sparse.type.num_fields)]
    parts = dict(zip(names, sparse.flatten(), strict=True))
    indices, weights = parts["indices"], parts["values"]
    hits = []
    col = "sparse_values"

    if kind == "sparse":
        nulls = np.flatnonzero(~valid).astype(np.int64)
        if len(nulls):
            hits.append(Hit("R020", col, nulls, lambda i: "`sparse_values` is null"))
    valid &= indices.is_valid().to_numpy(zero_copy_only=False) | weights.is_valid().to_numpy(
        zero_copy_only=False
    )
    i_off, i_child = _flat(indices)
    v_off, v_child = _flat(weights)
    n_idx = np.where(indices.is_valid().to_numpy(zero_copy_only=False), np.diff(i_off), 0)
    n_val = np.where(weights.is_valid().to_numpy(zero_copy_only=False), np.diff(v_off), 0)

    mismatch = np.flatnonzero(valid & (n_idx != n_val)).astype(np.int64)
    if len(mismatch):
        hits.append(
            Hit("R021", col, mismatch, lambda i: f"{n_idx[i]} indices but {n_val[i]} values")
        )
    empty = np.flatnonzero(valid & (n_idx == 0) & (n_val == 0)).astype(np.int64)
    if len(empty):
        hits.append(Hit("R022", col, empty, lambda i: "sparse vector has no entries"))
    over = np.flatnonzero(valid & (n_idx > MAX_SPARSE_ENTRIES)).astype(np.int64)
    if len(over):
        hits.append(
            Hit(
                "R025",
                col,
                over,
                lambda i: f"{n_idx[i]} sparse entries; the maximum is {MAX_SPARSE_ENTRIES}",
            )
        )
    many = np.flatnonzero(
        valid & (n_idx > WARN_SPARSE_ENTRIES) & (n_idx <= MAX_SPARSE_ENTRIES)
    ).astype(np.int64)
    if len(many):
        hits.append(
            Hit(
                "R025",
                col,
                many,
                lambda i: (
                    f"{n_idx[i]} sparse entries; some Pinecone docs allow at most"
                    f" {WARN_SPARSE_ENTRIES}"
                ),
                severity="warning",
            )
        )

    # Element rules: find bad flat positions, then the rows that own them.
    start, stop = int(i_off[0]), int(i_off[-1])
    flat_idx = _numbers(i_child, start, stop)
    if flat_idx.dtype.kind == "f":  # nulls inside indices come back as NaN
        bad_pos = ~np.isfinite(flat_idx) | (flat_idx < 0) | (flat_idx > UINT32_MAX)
    elif flat_idx.dtype.kind == "i":
        bad_pos = (flat_idx < 0) | (flat_idx > UINT32_MAX)
    else:
        bad_pos = flat_idx > UINT32_MAX
    out_of_range = _owned(bad_pos, i_off, start, valid)
    if len(out_of_range):
        hits.append(
            Hit(
                "R023",
                col,
                out_of_range,
                lambda i: "sparse index outside 0..4,294,967,295 (uint32) or null",
            )
        )
    dupes = _duplicate_entries(flat_idx, i_off - start, valid & (n_idx > 1))
    if len(dupes):
        hits.append(Hit("R024", col, dupes, lambda i: "the same sparse index appears twice"))

    v_start, v_stop = int(v_off[0]), int(v_off[-1])
    flat_w = _numbers(v_child, v_start, v_stop)
    bad_w = _owned(~np.isfinite(flat_w), v_off, v_start, valid)
    if len(bad_w):
        hits.append(Hit("R026", col, bad_w, lambda i: "sparse value is NaN, Inf or null"))
    return hits


def _owned(
    bad: npt.NDArray[np.bool_],
    offsets: npt.NDArray[np.int64],
    start: int,
    valid: npt.NDArray[np.bool_],
) -> Rows:
    positions = np.flatnonzero(bad).astype(np.int64) + start
    if not len(positions):
        return positions
    rows = _rows_of(positions, offsets)
    return rows[valid[rows]]


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


# --- metadata rules ----------------------------------------------------------------------------


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


def problem_hits(problems: Mapping[int, tuple[str, str]], column: str) -> list[Hit]:
    """Per-row problems ({row: (code, message)}, as the per-row paths find them) as hits."""
    by_code: dict[str, list[int]] = {}
    for row, (code, _) in problems.items():
        by_code.setdefault(code, []).append(row)
    return [
        Hit(code, column, np.asarray(rows, np.int64), lambda i: problems[i][1])
        for code, rows in sorted(by_code.items())
    ]


def metadata_problem(text: bytes | memoryview | str) -> tuple[str, str] | None:
    """(code, message) for the first rule a metadata JSON text breaks, or None when it is fine."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        raw = text if isinstance(text, str) else bytes(text).decode("utf-8", "replace")
        try:
            json.loads(raw)  # Python's parser accepts NaN/Infinity: then that is the problem
        except ValueError as exc:
            return "R030", f"`metadata` is not valid JSON: {exc}"
        return "R038", "`metadata` holds NaN, Infinity or a number beyond float64 (not valid JSON)"
    if type(doc) is not dict:
        return "R031", f"`metadata` must be a JSON object, found {type(doc).__name__}"
    return value_problem(doc)


def value_problem(doc: dict[str, Any]) -> tuple[str, str] | None:
    """The metadata type rules (R033-R038) on one parsed object. Runs once per record: the
    common types (text, booleans, safe numbers) are tested first and leave at once."""
    for key, value in doc.items():
        if key[:1] == "$":
            return "R036", f"metadata key {key!r} starts with `$`"
        kind = type(value)
        if kind is str or kind is bool:
            continue
        if kind is int:
            if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
                continue
            return "R037", f"metadata key {key!r} holds {value}, beyond +-2^53 (float64)"
        if kind is float:
            if math.isfinite(value):
                continue
            return "R038", f"metadata key {key!r} is not a finite number"
        if kind is list:
            if all(type(v) is str for v in value):
                continue
            return "R035", f"metadata key {key!r} holds a list with non-string items"
        if kind is dict:
            return "R033", f"metadata key {key!r} holds a nested object"
        if value is None:
            return "R034", f"metadata key {key!r} is null (remove the key instead)"
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

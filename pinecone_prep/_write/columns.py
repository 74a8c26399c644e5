"""A chunk of input in the writer's types (`convert`), and the output schema that the first
chunk fixes (`resolve_schema`). Ids become text, vectors list<float32>, metadata JSON text,
namespaces text. Nothing here judges a record: the rules run on exactly what this produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._errors import UsageError
from .._rules import Hit, problem_hits
from .._rules.arrow import is_string_type
from .._rules.layout import folder_problem
from .._rules.schema import infer_kind, schema_issues
from .._spec import SPARSE_TYPE, VALUES_TYPE
from .._types import Kind
from .cells import Column, Problems, as_arrow
from .inputs import Chunk
from .metadata import metadata_column, metadata_from_columns
from .vectors import sparse_column, values_column


@dataclass(frozen=True)
class ColumnPlan:
    """Which input column feeds each output column (None: not written)."""

    id: str
    values: str | None = None
    sparse: str | None = None
    metadata: str | None = None
    metadata_columns: tuple[str, ...] = ()
    namespace: str | None = None
    texts: tuple[str, ...] = ()  # a document index's full-text fields, by column name
    fields: tuple[str, ...] = ()  # its vector fields' names: columns that may feed them

    @property
    def wanted(self) -> list[str]:
        names = [self.id, self.values, self.sparse, self.metadata, *self.metadata_columns]
        names += [self.namespace, *self.texts, *self.fields]
        return list(dict.fromkeys(n for n in names if n is not None))

    @property
    def text(self) -> list[str]:
        """Columns to read as text from CSV, where "007" must not become the number 7."""
        return [n for n in (self.id, self.namespace, *self.texts) if n is not None]


@dataclass
class Converted:
    """One chunk in the writer's types, before any rule."""

    rows: int
    ids: pa.Array
    values: pa.Array | None = None
    sparse: pa.Array | None = None
    metadata: pa.Array | None = None
    namespaces: pa.Array | None = None
    texts: dict[str, pa.Array] = field(default_factory=dict)  # full-text fields (documents)
    hits: list[Hit] = field(default_factory=list)  # conversion problems: rows with no output
    # True when the metadata rules (but R032, size) already ran during conversion: the texts
    # were encoded from dicts that passed them.
    metadata_judged: bool = False

    @property
    def nbytes(self) -> int:
        arrays = (self.ids, self.values, self.sparse, self.metadata)
        return sum(int(a.nbytes) for a in arrays if a is not None)


def resolve_schema(
    plan: ColumnPlan, names: Sequence[str], kind: Kind | None, *, every: Sequence[str] = ()
) -> tuple[ColumnPlan, pa.Schema, Kind]:
    """The columns the data has, the output schema, and the kind, from the first chunk's
    column names. Optional columns the data lacks are left out; a missing id or vector column
    is a usage error that names every column of the input (`every`)."""
    found = set(names)
    listed = ", ".join(repr(n) for n in (every or names)) or "none"
    if plan.id not in found:
        raise UsageError(
            f"the data has no id column {plan.id!r} (columns: {listed}; set id_column)"
        )
    if plan.namespace is not None and plan.namespace not in found:
        raise UsageError(f"the data has no namespace column {plan.namespace!r} (columns: {listed})")
    metadata = plan.metadata if plan.metadata in found else None
    if plan.metadata_columns:
        absent = [n for n in plan.metadata_columns if n not in found]
        if absent:
            raise UsageError(
                f"the data has no metadata column(s) {', '.join(absent)} (columns: {listed})"
            )
        if metadata is not None:
            raise UsageError(
                f"the data has a {metadata!r} column and metadata_columns are given: pass"
                " metadata_column=None to build metadata from the named columns only"
            )
    plan = ColumnPlan(
        plan.id,
        plan.values if plan.values in found else None,
        plan.sparse if plan.sparse in found else None,
        metadata,
        plan.metadata_columns,
        plan.namespace,
    )
    fields = [pa.field("id", pa.string())]
    if plan.values:
        fields.append(pa.field("values", VALUES_TYPE))
    if plan.sparse:
        fields.append(pa.field("sparse_values", SPARSE_TYPE))
    if plan.metadata or plan.metadata_columns:
        fields.append(pa.field("metadata", pa.string()))
    schema = pa.schema(fields)
    resolved = kind or infer_kind(set(schema.names))
    if resolved is None:
        raise UsageError(
            f"the data has no vector column (columns: {listed}): name it with values_column="
            " or sparse_values_column= (CLI: --values-column, --sparse-values-column)"
        )
    _, issues = schema_issues(schema, kind=kind)
    if issues:
        raise UsageError("; ".join(issue.message for issue in issues))
    return plan, schema, resolved


def convert(chunk: Chunk, plan: ColumnPlan) -> Converted:
    """A chunk in the writer's types. The plan's columns must all be in the chunk."""
    cols = chunk.columns
    absent = [name for name in plan.wanted if name not in cols]
    if absent:
        raise UsageError(
            f"{chunk.source} (from row {chunk.first_row}) has no column(s)"
            f" {', '.join(map(repr, absent))}"
        )
    out = Converted(chunk.rows, id_column(cols[plan.id], plan.id))
    if plan.values:
        out.values, bad = values_column(cols[plan.values], plan.values)
        out.hits += problem_hits(bad, "values")
    if plan.sparse:
        out.sparse = sparse_column(cols[plan.sparse], plan.sparse)
    problems: Problems | None = {}
    if plan.metadata:
        out.metadata, problems = metadata_column(cols[plan.metadata], plan.metadata)
    elif plan.metadata_columns:
        out.metadata, problems = metadata_from_columns({n: cols[n] for n in plan.metadata_columns})
    out.metadata_judged = problems is not None
    out.hits += problem_hits(problems or {}, "metadata")
    if plan.namespace:
        out.namespaces, hits = namespace_column(cols[plan.namespace], plan.namespace)
        out.hits += hits
    out.texts = {name: text_column(cols[name], name) for name in plan.texts}
    return out


def text_column(col: Column, name: str) -> pa.Array:
    """A full-text field's column: text (a null leaves the field out of its document)."""
    arr = as_arrow(col, name)
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    if not is_string_type(arr.type):
        raise UsageError(
            f"column {name!r} feeds a full-text field: it must hold text, not {arr.type}"
        )
    return arr.cast(pa.string())


def id_column(col: Column, name: str) -> pa.Array:
    """Ids as strings: text as is, integers as decimal strings."""
    arr = as_arrow(col, name)
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if is_string_type(t) or pa.types.is_integer(t):
        return arr.cast(pa.string())
    raise UsageError(
        f"column {name!r} holds {t}; ids must be strings or integers (cast the column first)"
    )


def namespace_column(col: Column, name: str) -> tuple[pa.Array, list[Hit]]:
    """Namespace names as strings, and L005 hits for rows whose name is not a valid folder."""
    arr = as_arrow(col, name)
    t = arr.type
    if not (is_string_type(t) or pa.types.is_integer(t) or pa.types.is_null(t)):
        raise UsageError(f"column {name!r} holds {t}; namespaces must be strings")
    names = arr.cast(pa.string())
    problems: Problems = {}
    for row in np.flatnonzero(names.is_null().to_numpy(zero_copy_only=False)).tolist():
        problems[row] = ("L005", "namespace is null")
    for value in pc.unique(names.drop_null()).to_pylist():
        problem = folder_problem(value)
        if problem:
            same = pc.equal(names, value).fill_null(False)
            rows = np.flatnonzero(same.to_numpy(zero_copy_only=False))
            problems.update((row, ("L005", problem)) for row in rows.tolist())
    return names, problem_hits(problems, name)

"""check(), iter_findings() and is_valid(): the checker's public entry points."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from .._errors import UsageError
from .._index import IndexDescription
from .._limits import Limits
from .._report import Finding, Report, Summary
from .._schema import DocumentSchema, document_schema
from .._storage import Store
from .._types import (
    Kind,
    Progress,
    check_choice,
    check_count,
    check_dimension,
    check_kind,
    check_progress,
    family,
    uri_text,
)
from .documents import DocumentScan
from .parts import CheckPlan, plan_of
from .scan import DEFAULT_MAX_EXAMPLES, CheckOptions, Scan

METRICS = ("cosine", "euclidean", "dotproduct")
ExtraColumns = Literal["error", "warn"]
SchemaLike = DocumentSchema | Mapping[str, Any] | str | os.PathLike[str]


def _against_schema(
    schema: DocumentSchema, kind: Kind | None, dimension: int | None, metric: str | None
) -> None:
    """A document schema says what every document must be: the vector options may only agree."""
    if kind is not None:
        raise UsageError("kind describes a vector index's records; a document schema is given")
    dense = schema.dense
    for name, given, known in (
        ("dimension", dimension, dense[1].dimension if dense else None),
        ("metric", metric, dense[1].metric if dense else None),
    ):
        if given is not None and given != known:
            raise UsageError(f"{name}={given!r} contradicts the schema's dense field ({known!r})")


def _documents(index: IndexDescription | None, schema: SchemaLike | None) -> DocumentSchema | None:
    """The document schema the prefix is judged against: the one given, or a document
    index's own (which a given one must agree with). None: the prefix is Parquet."""
    given = None if schema is None else document_schema(schema)
    if index is None:
        return given
    label = f"index {index.name!r}" if index.name else "the index"
    if index.family != "document":
        if given is not None:
            raise UsageError(
                f"{label} is a legacy {index.family} index, which imports Parquet: a document"
                " schema does not apply to it"
            )
        return None
    if index.schema is None:
        if given is None:
            raise UsageError(
                f"{label} is a document index described without its schema: give the schema"
                " (schema=...), or describe the live index (describe_index)"
            )
        return given
    if given is not None and not given.same_fields(index.schema):
        raise UsageError(f"the schema given differs from the schema of {label}")
    return index.schema


def _against_index(
    index: IndexDescription, kind: Kind | None, dimension: int | None, metric: str | None
) -> tuple[Kind | None, int | None, str | None]:
    """A legacy index decides what the records must be; an explicit option may only agree."""
    if kind is not None and family(kind) != family(index.kind):
        raise UsageError(f"kind={kind!r} contradicts the {index.kind} index")
    for name, given, known in (
        ("dimension", dimension, index.dimension),
        ("metric", metric, index.metric),
    ):
        if given is not None and known is not None and given != known:
            raise UsageError(f"{name}={given!r} contradicts the index ({known!r})")
    return kind or index.kind, dimension or index.dimension, metric or index.metric


def _scan(
    uri: str | os.PathLike[str],
    *,
    kind: Kind | None,
    dimension: int | None,
    metric: str | None,
    limits: str | Limits | None,
    extra_columns: ExtraColumns,
    index: IndexDescription | None,
    quick: bool,
    max_examples: int | None,
    storage_options: Mapping[str, Any] | None,
    progress: Progress | None,
    workers: int | None,
    processes: int | None,
    schema: SchemaLike | None = None,
) -> Scan:
    target = uri_text(uri)
    if index is not None and not isinstance(index, IndexDescription):
        raise UsageError(f"index must be an IndexDescription, not {type(index).__name__}")
    # A document index's prefix is its JSON Lines, judged against its schema; a legacy
    # index's is Parquet (the other format is P003 / P004, found from the listing).
    documents = _documents(index, schema)
    if documents is not None:
        _against_schema(documents, kind, dimension, metric)
    kind, dimension = check_kind(kind), check_dimension(dimension)
    if metric is not None:
        check_choice(metric, "metric", METRICS)
    check_choice(extra_columns, "extra_columns", ("error", "warn"))
    if index is not None and documents is None:
        kind, dimension, metric = _against_index(index, kind, dimension, metric)
    options = CheckOptions(
        kind=kind,
        dimension=dimension,
        metric=metric,
        limits=Limits.resolve(limits or ("2024" if documents is None else "documents")),
        extra_columns=extra_columns,
        index=index,
        quick=bool(quick),
        max_examples=check_count(max_examples, "max_examples"),
        workers=check_count(workers, "workers") or None,
        processes=check_count(processes, "processes"),
        schema=documents,
    )
    scan = Scan if documents is None else DocumentScan
    return scan(Store(target, storage_options), options, check_progress(progress))


def check(
    uri: str | os.PathLike[str],
    *,
    kind: Kind | None = None,
    dimension: int | None = None,
    metric: str | None = None,
    limits: str | Limits | None = None,
    extra_columns: ExtraColumns = "error",
    index: IndexDescription | None = None,
    schema: SchemaLike | None = None,
    quick: bool = False,
    max_examples: int | None = DEFAULT_MAX_EXAMPLES,
    storage_options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    processes: int | None = 0,
) -> Report[Summary]:
    """Check every row of every file under the import prefix `uri`; return a `Report`.

    kind ("dense" | "sparse" | "hybrid"; inferred per namespace when None), dimension (else
    each namespace's first vector) and metric say what the records must be; `index` (an
    `IndexDescription`, see `describe_index`) adds the index rules and implies all three; a
    document index implies its schema instead (Parquet into it is P003, JSON Lines into a
    legacy index P004).
    schema: a document index's schema (a `DocumentSchema`, its JSON as a dict, or a JSON
    file's path): the prefix is then that index's JSON Lines import, every line judged
    against it (see docs/documents.md); kind must be None, dimension and metric agree; with a
    document `index` that has its schema, it must agree with it.
    limits: a profile name ("2024", the default for Parquet; "2026"; "documents", the default
    for JSON Lines) or `Limits`. extra_columns: "error" | "warn" (Parquet only).
    quick: read the footers and the first rows of every file only (schema, kind, dimension and
    metric from real vectors, layout, limits, index rules; no duplicates across rows).
    max_examples: findings kept per code and file (None: all; counts are always exact).
    progress(done_bytes, total_bytes); workers: threads; processes: worker processes for
    metadata JSON, or for JSON Lines documents (0, the default: none; None starts them for
    namespaces of 200,000+ metadata rows, or 64 MB+ of JSON Lines on 3+ cores: they import the
    caller's main module, so a script needs the `if __name__ == "__main__":` guard; the CLI
    uses None).
    """
    scan = _scan(
        uri,
        kind=kind,
        dimension=dimension,
        metric=metric,
        limits=limits,
        extra_columns=extra_columns,
        index=index,
        quick=quick,
        max_examples=max_examples,
        storage_options=storage_options,
        progress=progress,
        workers=workers,
        processes=processes,
        schema=schema,
    )
    findings = list(scan)
    return Report(findings, scan.summary())


def iter_findings(
    uri: str | os.PathLike[str],
    *,
    kind: Kind | None = None,
    dimension: int | None = None,
    metric: str | None = None,
    limits: str | Limits | None = None,
    extra_columns: ExtraColumns = "error",
    index: IndexDescription | None = None,
    schema: SchemaLike | None = None,
    quick: bool = False,
    max_examples: int | None = DEFAULT_MAX_EXAMPLES,
    storage_options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    processes: int | None = 0,
) -> Iterator[Finding]:
    """Lazily yield every finding for the import prefix `uri` (the options of `check`)."""
    return iter(
        _scan(
            uri,
            kind=kind,
            dimension=dimension,
            metric=metric,
            limits=limits,
            extra_columns=extra_columns,
            index=index,
            quick=quick,
            max_examples=max_examples,
            storage_options=storage_options,
            progress=progress,
            workers=workers,
            processes=processes,
            schema=schema,
        )
    )


def is_valid(
    uri: str | os.PathLike[str],
    *,
    kind: Kind | None = None,
    dimension: int | None = None,
    metric: str | None = None,
    limits: str | Limits | None = None,
    extra_columns: ExtraColumns = "error",
    index: IndexDescription | None = None,
    schema: SchemaLike | None = None,
    quick: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    workers: int | None = None,
) -> bool:
    """True when `uri` has no error; stops at the first error found (the footer-level ones,
    limits included, come before any data page is read)."""
    findings = iter_findings(
        uri,
        kind=kind,
        dimension=dimension,
        metric=metric,
        limits=limits,
        extra_columns=extra_columns,
        index=index,
        schema=schema,
        quick=quick,
        max_examples=1,
        storage_options=storage_options,
        workers=workers,
    )
    return not any(f.severity == "error" for f in findings)


def plan_check(
    uri: str | os.PathLike[str],
    *,
    kind: Kind | None = None,
    dimension: int | None = None,
    metric: str | None = None,
    limits: str | Limits | None = None,
    extra_columns: ExtraColumns = "error",
    index: IndexDescription | None = None,
    schema: SchemaLike | None = None,
    quick: bool = False,
    max_examples: int | None = DEFAULT_MAX_EXAMPLES,
    storage_options: Mapping[str, Any] | None = None,
    workers: int | None = None,
) -> CheckPlan:
    """The first step of a check spread over workers (the options of `check`): the listing and
    footers are judged here and every namespace's kind and dimension fixed, so that tasks can
    `check_files` any share of `plan.files` and `merge_check` can make the report of the
    whole prefix from their results. With a document schema (`schema`, or a document
    `index`), the plan is the JSON Lines prefix's listing and manifest, and each task checks
    the lines of whole files."""
    scan = _scan(
        uri,
        kind=kind,
        dimension=dimension,
        metric=metric,
        limits=limits,
        extra_columns=extra_columns,
        index=index,
        quick=quick,
        max_examples=max_examples,
        storage_options=storage_options,
        progress=None,
        workers=workers,
        processes=0,
        schema=schema,
    )
    return plan_of(scan, uri_text(uri), storage_options)

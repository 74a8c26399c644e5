"""survey(): an import prefix as Pinecone sees it from its listing and Parquet footers alone.

Shared by `check` (which then reads the rows) and `plan` (which packs the namespaces into
requests). Findings come in phases that end before any data page is read: the layout
(L0xx), the manifest (F004), the target index (P0xx, L007, L010), each file's footer (F001,
S0xx, F002), each namespace (F003 kind, L008), and the limits (M0xx).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ._collector import Collector
from ._errors import UsageError
from ._index import IndexDescription, index_issues
from ._limits import Limits
from ._manifest import Manifest
from ._report import FileSummary, Finding, Location
from ._rules import Issue
from ._rules.files import (
    empty_file,
    empty_namespace,
    kind_disagrees,
    manifest_issues,
    manifest_records_issue,
    manifest_unreadable,
    unreadable,
)
from ._rules.layout import (
    JSONL_FILES,
    PARQUET_FILES,
    FileKind,
    Layout,
    object_issue,
    read_layout,
    scheme_issue,
)
from ._rules.limits import limit_issues
from ._rules.schema import Shape, schema_issues
from ._spec import MANIFEST_KEY
from ._storage import NotParquet, Store
from ._types import Kind, Meter, StoredObject

T = TypeVar("T")
R = TypeVar("R")

# Footers kept for the row scan, by serialized size: in memory they take ~10x that (21 KB for a
# 2.2 KB footer), so a 100,000-file namespace would hold GBs. Footers beyond the budget are
# read again when their rows are (one more request per file).
FOOTER_BUDGET = 32 * 1024 * 1024


@dataclass
class FileInfo:
    """What the survey learnt about one importable object (never its data)."""

    namespace: str
    key: str
    uri: str
    bytes: int
    group_rows: tuple[int, ...] | None = None  # rows per row group; None: unreadable
    group_bytes: tuple[int, ...] = ()  # decoded bytes per row group
    meta: pq.FileMetaData | None = None  # kept within the footer budget, for the row scan
    shape: Shape | None = None
    lengths: set[int] = field(default_factory=set)  # distinct vector lengths seen by the scan
    _starts: Any = field(default=None, repr=False, compare=False)  # first row of each group

    @property
    def records(self) -> int:
        return sum(self.group_rows or ())

    def row_group_of(self, row: int) -> int | None:
        """The row group holding `row` (0-based within the file)."""
        groups = self.group_rows or ()
        if self._starts is None or len(self._starts) != len(groups) + 1:
            self._starts = np.cumsum((0, *groups))  # once per file: findings ask per row
        return int(np.searchsorted(self._starts, row, side="right") - 1)

    def summary(self) -> FileSummary:
        return FileSummary(
            uri=self.uri,
            namespace=self.namespace,
            records=self.records,
            bytes=self.bytes,
            row_groups=len(self.group_rows or ()),
            readable=self.group_rows is not None,
        )


@dataclass(frozen=True)
class Footer:
    """What the survey takes from a footer."""

    meta: pq.FileMetaData
    schema: pa.Schema
    group_rows: tuple[int, ...]
    group_bytes: tuple[int, ...]


@dataclass
class NamespaceInfo:
    """A namespace folder: its files, and the kind and dimension its records must have."""

    name: str
    files: list[FileInfo]
    kind: Kind | None = None
    kind_source: Literal["given", "inferred"] | None = None
    dimension: int | None = None  # given, or fixed by the first file's schema

    @property
    def readable(self) -> list[FileInfo]:
        return [f for f in self.files if f.shape is not None]

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)


@dataclass(frozen=True, kw_only=True)
class SurveyOptions:
    kind: Kind | None = None
    dimension: int | None = None
    metric: str | None = None
    extra_columns: Literal["error", "warn"] = "error"
    limits: Limits | None = None  # None: not judged here (the planner packs requests instead)
    index: IndexDescription | None = None
    files: bool = True  # False: layout, F001 and L008 only (what the planner reports)
    footer_budget: int = FOOTER_BUDGET
    import_files: FileKind = PARQUET_FILES  # the objects the import reads


def _without_schema(listing: list[StoredObject]) -> None:
    """A check of Parquet finding JSON Lines files and no Parquet: a document index's import,
    which needs the index's schema."""
    if any(JSONL_FILES.matches(obj.key) for obj in listing):
        raise UsageError(
            "the prefix holds JSON Lines files, a document index's import: give the index's"
            " schema to check them (--schema FILE; in Python, check(uri, schema=...))"
        )


def _other(files: FileKind) -> FileKind:
    return JSONL_FILES if files is PARQUET_FILES else PARQUET_FILES


def _holds_other(listing: list[StoredObject], files: FileKind) -> bool:
    """Whether the listing holds the other format's import files and none of `files`."""
    keys = [obj.key for obj in listing]
    return not any(map(files.matches, keys)) and any(map(_other(files).matches, keys))


def ordered_map(
    pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Iterable[T], window: int
) -> Iterator[R]:
    """Like pool.map, but with at most `window` tasks in flight, so memory stays bounded."""
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


class Survey:
    """Iterate once for the footer-level findings; afterwards `namespaces` and `layout` hold
    what was learnt. Findings pass through `collector` (caps and exact counts)."""

    def __init__(
        self,
        store: Store,
        options: SurveyOptions,
        *,
        collector: Collector,
        pool: ThreadPoolExecutor,
        meter: Meter,
        meter_footers: bool = False,
    ) -> None:
        self.store = store
        self.options = options
        self.collector = collector
        self.pool = pool
        self.meter = meter
        self.meter_footers = meter_footers  # progress per footer read (plan), else per F001
        self.import_files = options.import_files  # a plan may find JSON Lines instead
        self.layout = Layout()
        self.namespaces: list[NamespaceInfo] = []
        self.manifest = Manifest()

    def _emit(self, issue: Issue, key: str = "", namespace: str | None = None) -> Iterator[Finding]:
        found = self.collector.issue(issue, key=key, namespace=namespace)
        if found is not None:
            yield found

    def __iter__(self) -> Iterator[Finding]:
        store = self.store
        dry_run = scheme_issue(store.scheme, store.importable)
        if dry_run is not None:
            yield from self._emit(dry_run)
        if store.is_object():
            yield from self._emit(object_issue(store.uri, self.import_files))
            return
        listing = store.list()
        if self.options.files and self._foreign(listing):
            yield from self._index(listing)  # P003 / P004: nothing else of it matters
            return
        if not self.options.files and _holds_other(listing, self.import_files):
            self.import_files = JSONL_FILES  # a plan of JSON Lines: the listing is all it has
        self.layout = read_layout(listing, self.import_files)
        if self.options.files and not self.layout.namespaces:
            _without_schema(listing)
        for issue in self.layout.issues:
            yield from self._emit(issue)
        if self.options.files:
            yield from self._manifest(listing)
            yield from self._index(listing)
        self.namespaces = [
            NamespaceInfo(name, [FileInfo(name, o.key, store.uri_of(o.key), o.size) for o in objs])
            for name, objs in self.layout.namespaces.items()
        ]
        self.meter.total = sum(ns.bytes for ns in self.namespaces)
        if self.import_files is PARQUET_FILES:
            yield from self._footers()
        for ns in self.namespaces:
            yield from self._namespace(ns)
        if self.options.limits is not None:
            yield from self._limits(self.options.limits)

    def _manifest(self, listing: list) -> Iterator[Finding]:  # type: ignore[type-arg]
        """F004: a root written by pinecone-prep holds what its manifest says."""
        if not any(obj.key == MANIFEST_KEY for obj in listing):
            return
        try:
            self.manifest = Manifest.from_json(self.store.read_text(MANIFEST_KEY) or "")
        except ValueError as exc:
            yield from self._emit(manifest_unreadable(str(exc)))
            return
        for issue in manifest_issues(listing, self.manifest, self.import_files):
            yield from self._emit(issue)

    def _foreign(self, listing: list[StoredObject]) -> bool:
        """Whether the prefix holds the other format's import files and none of the index's
        own (Parquet for a document index, JSON Lines for a legacy one)."""
        return self.options.index is not None and _holds_other(listing, self.import_files)

    def _index(self, listing: list[StoredObject]) -> Iterator[Finding]:
        """The index rules for the import files the prefix holds (its namespaces are the
        folders of those files)."""
        index = self.options.index
        if index is None:
            return
        files, layout = self.import_files, self.layout
        if self._foreign(listing):
            files = _other(files)
            layout = read_layout(listing, files)
        found = index_issues(
            index,
            scheme=self.store.scheme,
            namespaces=layout.namespaces,
            files="jsonl" if files is JSONL_FILES else "parquet",
        )
        for item in found:
            where = Location(self.store.uri_of(item.namespace or ""), item.namespace)
            kept = self.collector.finding(item.code, item.message, where)
            if kept is not None:
                yield kept

    def _footers(self) -> Iterator[Finding]:
        """Every file's footer: opened in parallel (round trips on object stores), judged in
        order; footers are kept for the row scan within the budget."""
        files = [f for ns in self.namespaces for f in ns.files]
        kept = 0
        for file, opened in zip(
            files, ordered_map(self.pool, self._footer, files, window=64), strict=True
        ):
            if isinstance(opened, NotParquet):
                yield from self._emit(unreadable(file.bytes, str(opened)), file.key, file.namespace)
                self.meter.add(file.bytes)
                continue
            if self.meter_footers:
                self.meter.add(file.bytes)
            if kept + opened.meta.serialized_size <= self.options.footer_budget:
                file.meta = opened.meta
                kept += opened.meta.serialized_size
            file.group_rows, file.group_bytes = opened.group_rows, opened.group_bytes
            yield from self._file(file, opened)

    def _file(self, file: FileInfo, footer: Footer) -> Iterator[Finding]:
        opts = self.options
        file.shape, issues = schema_issues(
            footer.schema,
            kind=opts.kind,
            dimension=opts.dimension,
            metric=opts.metric,
            extra_columns=opts.extra_columns,
        )
        if not opts.files:
            return
        changed = manifest_records_issue(self.manifest, file.key, file.records)
        for issue in [*issues, changed, empty_file(file.records)]:
            if issue is not None:
                yield from self._emit(issue, file.key, file.namespace)

    def _footer(self, file: FileInfo) -> Footer | NotParquet:
        """A file's footer, read in a worker thread; a footer pyarrow cannot make sense of
        (an undecodable schema, negative row counts) is not Parquet either."""
        try:
            meta = self.store.read_footer(file.key)
            groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
            footer = Footer(
                meta,
                meta.schema.to_arrow_schema(),
                tuple(group.num_rows for group in groups),
                tuple(group.total_byte_size for group in groups),
            )
        except NotParquet as exc:
            return exc
        except (pa.ArrowException, ValueError, OverflowError) as exc:  # UnicodeDecodeError too
            return NotParquet(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        if any(n < 0 for n in footer.group_rows) or any(n < 0 for n in footer.group_bytes):
            return NotParquet("the footer claims a negative row count or size")
        return footer

    def _namespace(self, ns: NamespaceInfo) -> Iterator[Finding]:
        """The namespace's kind (given, or the first readable file's), F003 for files of the
        other family, L008 when it has no records at all."""
        opts = self.options
        readable = ns.readable
        shapes = [f.shape for f in readable if f.shape is not None and f.shape.kind]
        ns.kind = opts.kind or (shapes[0].kind if shapes else None)
        ns.kind_source = None if ns.kind is None else "given" if opts.kind else "inferred"
        fixed = [f.shape.dimension for f in readable if f.shape and f.shape.values]
        ns.dimension = opts.dimension or (fixed[0] if fixed else None)
        if opts.files and opts.kind is None and ns.kind is not None:  # a given kind: S010's
            for file in readable:
                assert file.shape is not None
                other = file.shape.kind and kind_disagrees(file.shape.kind, ns.kind)
                if other:
                    yield from self._emit(other, file.key, ns.name)
        if ns.records == 0 and all(f.group_rows is not None for f in ns.files):
            yield from self._emit(empty_namespace(ns.name))

    def _limits(self, limits: Limits) -> Iterator[Finding]:
        ns_bytes = {ns.name: ns.bytes for ns in self.namespaces}
        ns_records = {ns.name: ns.records for ns in self.namespaces}
        sizes = [(f.namespace, f.key, f.bytes) for ns in self.namespaces for f in ns.files]
        for issue in limit_issues(limits, ns_bytes, ns_records, sizes):
            yield from self._emit(issue)

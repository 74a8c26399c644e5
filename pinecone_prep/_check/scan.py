"""The checker's lazy walk: one generator of findings in phases that end.

survey (listing, layout, manifest, index, footers, limits) -> per namespace: the dimension,
then every row group (`RowScanner`), then each file's dimension and the duplicate ids
(`CrossFile`) -> identical vectors across the import. `Scan` only orders the phases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from .._collector import Collector
from .._errors import UsageError
from .._index import IndexDescription
from .._limits import Limits
from .._report import Finding, NamespaceSummary, Summary
from .._schema import DocumentSchema
from .._storage import Store
from .._survey import FOOTER_BUDGET, NamespaceInfo, Survey, SurveyOptions
from .._types import Kind, Meter, Progress
from .merge import Merge
from .rows import RowScanner

DEFAULT_MAX_EXAMPLES = 20


@dataclass(frozen=True, kw_only=True)
class CheckOptions:
    """What a check judges against and how it runs (validated by `check`'s entry points)."""

    kind: Kind | None = None
    dimension: int | None = None
    metric: str | None = None
    limits: Limits = field(default_factory=lambda: Limits.profile("2024"))
    extra_columns: Literal["error", "warn"] = "error"
    index: IndexDescription | None = None
    quick: bool = False
    max_examples: int | None = DEFAULT_MAX_EXAMPLES
    workers: int | None = None
    processes: int | None = 0  # None: by volume
    footer_budget: int = FOOTER_BUDGET
    schema: DocumentSchema | None = None  # a document index's: the prefix is JSON Lines


class Scan:
    """Iterate once for findings (capped per code and file at `max_examples`); afterwards
    `summary()` holds exact counts."""

    def __init__(self, store: Store, options: CheckOptions, progress: Progress | None) -> None:
        self.store = store
        self.options = options
        self.meter = Meter(progress)
        self.collector = Collector(max_examples=options.max_examples, uri_of=store.uri_of)
        self.namespaces: list[NamespaceInfo] = []
        self._started = False
        # Local reads are CPU-bound (one thread per core); object stores wait on the network.
        self.workers = options.workers or ((os.cpu_count() or 2) if store.local else 16)

    def __iter__(self) -> Iterator[Finding]:
        if self._started:
            raise UsageError("a Scan can be iterated only once")
        self._started = True
        return self._walk()

    def _walk(self) -> Iterator[Finding]:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="pinecone-prep") as pool:
            rows = self.rows(pool)
            try:
                yield from self.plan(pool, rows)
                merge = self.merge()
                for ns in self.namespaces:
                    yield from merge.namespace(ns, rows.run(ns.readable, ns.kind, ns.dimension))
                yield from merge.finish()
            finally:
                rows.close()

    def plan(self, pool: ThreadPoolExecutor, rows: RowScanner) -> Iterator[Finding]:
        """The survey, then each namespace's dimension (from its first vector when not given
        or fixed by the schema): everything the row scan of any file needs to know."""
        opts = self.options
        survey = Survey(
            self.store,
            SurveyOptions(
                kind=opts.kind,
                dimension=opts.dimension,
                metric=opts.metric,
                extra_columns=opts.extra_columns,
                limits=opts.limits,
                index=opts.index,
                footer_budget=opts.footer_budget,
            ),
            collector=self.collector,
            pool=pool,
            meter=self.meter,
        )
        yield from survey
        self.namespaces = survey.namespaces
        for ns in self.namespaces:
            ns.dimension = ns.dimension or rows.probe_dimension(ns.readable)
        self.meter.add(0)

    def rows(self, pool: ThreadPoolExecutor, *, meter: bool = True) -> RowScanner:
        opts = self.options
        return RowScanner(
            self.store,
            pool,
            workers=self.workers,
            max_examples=opts.max_examples,
            processes=opts.processes,
            quick=opts.quick,
            meter=self.meter if meter else None,
        )

    def merge(self) -> Merge:
        opts = self.options
        return Merge(self.store, self.collector, dimension=opts.dimension, quick=opts.quick)

    def summary(self) -> Summary:
        """Exact counts; complete once the scan has been iterated to the end."""
        files = [f for ns in self.namespaces for f in ns.files]
        return Summary(
            uri=self.store.uri,
            limits=self.options.limits.name,
            namespaces=len(self.namespaces),
            files=len(files),
            records=sum(f.records for f in files),
            bytes=sum(f.bytes for f in files),
            by_namespace=tuple(_namespace_summary(ns) for ns in self.namespaces),
            by_file=tuple(f.summary() for f in files),
            **self.collector.counts(),
        )


def _namespace_summary(ns: NamespaceInfo) -> NamespaceSummary:
    return NamespaceSummary(
        name=ns.name,
        kind=ns.kind,
        kind_source=ns.kind_source,
        dimension=ns.dimension if ns.kind != "sparse" else None,
        files=len(ns.files),
        records=ns.records,
        bytes=ns.bytes,
    )

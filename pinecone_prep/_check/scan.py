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
from .._storage import Store
from .._survey import FOOTER_BUDGET, FileInfo, NamespaceInfo, Survey, SurveyOptions
from .._types import Kind, Meter, Progress
from .crossfile import CrossFile
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
        opts = self.options
        with ThreadPoolExecutor(self.workers, thread_name_prefix="pinecone-prep") as pool:
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
            self.meter.add(0)
            rows = RowScanner(
                self.store,
                pool,
                workers=self.workers,
                max_examples=opts.max_examples,
                processes=opts.processes,
                quick=opts.quick,
            )
            cross = CrossFile(self.store, self.collector, dimension=opts.dimension)
            try:
                for ns in self.namespaces:
                    yield from self._namespace(ns, rows, cross)
                if not opts.quick:  # a quick check reads too few rows to compare them
                    yield from cross.finish()
            finally:
                rows.close()

    def _namespace(
        self, ns: NamespaceInfo, rows: RowScanner, cross: CrossFile
    ) -> Iterator[Finding]:
        files = ns.readable
        ns.dimension = ns.dimension or rows.probe_dimension(files)
        cross.start(ns.files)
        current = None
        for done in rows.run(files, ns.kind, ns.dimension):
            file = done.task.file
            if current is not None and file is not current:
                yield from self._file_done(current, ns, rows, cross)
            current = file
            for result in done.retried or [done]:
                yield from self.collector.take(result.batch)
                if result.failure is not None:
                    kept = self.collector.issue(
                        result.failure, key=file.key, namespace=file.namespace
                    )
                    if kept is not None:
                        yield kept
                cross.add(result)
            self.meter.add(file.bytes if self.options.quick else _share(file, done.rows))
        if current is not None:
            yield from self._file_done(current, ns, rows, cross)
        for file in ns.files:
            file.meta = None  # footers can be large: keep only what the report needs
        if not self.options.quick:
            yield from cross.namespace_done(ns.files)

    @staticmethod
    def _file_done(
        file: FileInfo, ns: NamespaceInfo, rows: RowScanner, cross: CrossFile
    ) -> Iterator[Finding]:
        rows.forget(file)
        yield from cross.file_done(file, ns.dimension)

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


def _share(file: FileInfo, rows: int) -> int:
    """A task's share of its file's bytes, for progress over bytes."""
    return file.bytes * rows // file.records if file.records else 0

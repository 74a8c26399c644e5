"""Turning the rows' results into findings, file by file in order, then the rules across files.
Used by the in-process scan and by the merge of a distributed check alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .._collector import Collector
from .._dupes import read_back
from .._report import Finding
from .._storage import Store
from .._survey import NamespaceInfo
from .crossfile import CrossFile, ReadBack
from .rows import FileResult


class Merge:
    def __init__(
        self,
        store: Store,
        collector: Collector,
        *,
        dimension: int | None,
        quick: bool,
        read_back: ReadBack = read_back,
        id_column: str = "id",
        vector_column: str = "values",
    ) -> None:
        self.collector = collector
        self.quick = quick  # a quick check reads too few rows to compare them across files
        self.cross = CrossFile(
            store,
            collector,
            dimension=dimension,
            read_back=read_back,
            id_column=id_column,
            vector_column=vector_column,
        )

    def namespace(self, ns: NamespaceInfo, results: Iterable[FileResult]) -> Iterator[Finding]:
        """A namespace's file results (those of its readable files, in file order)."""
        self.cross.start(ns.files)
        files = {f.key: f for f in ns.files}
        for result in results:
            file = files[result.key]
            yield from self.collector.take(result.batch)
            for failure in result.failures:
                kept = self.collector.issue(failure, key=file.key, namespace=file.namespace)
                if kept is not None:
                    yield kept
            self.cross.add(file, result)
            yield from self.cross.file_done(file, ns.dimension)
        for file in ns.files:
            file.meta = None  # footers can be large: keep only what the report needs
        if not self.quick:
            yield from self.cross.namespace_done(ns.files)

    def finish(self) -> Iterator[Finding]:
        if not self.quick:
            yield from self.cross.finish()

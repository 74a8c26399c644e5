"""The rules across files: duplicate ids within a namespace (R005), identical vectors across the
import (R014), and each file's dimension against its namespace's (F003, S012 from data).

Records are numbered in scan order (an ordinal per record, unreadable ones included, so the
numbering stays aligned with the files); 64-bit hashes find candidates, which are confirmed on
the values read back before anything is reported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._collector import Collector
from .._dupes import DuplicateFinder, Ordinals, equal_classes, read_back
from .._report import Finding, Location
from .._rules.files import dimension_disagrees
from .._rules.records import duplicate_id, identical_vector
from .._rules.schema import dimension_issues
from .._storage import Store
from .._survey import FileInfo
from .rows import FileResult

ReadBack = Callable[[Store, str, Ordinals, str], dict[int, Any]]


class CrossFile:
    """`read_back(store, key, rows, column)` gives the values hashed (Parquet cells by
    default); `id_column` and `vector_column` name the record id and the vector."""

    def __init__(
        self,
        store: Store,
        collector: Collector,
        *,
        dimension: int | None,
        read_back: ReadBack = read_back,
        id_column: str = "id",
        vector_column: str = "values",
    ) -> None:
        self.store = store
        self.read_back = read_back
        self.id_column = id_column
        self.vector_column = vector_column
        self.collector = collector
        self.dimension = dimension  # the one given: files are judged against it (S012)
        self.files: list[FileInfo] = []  # every file scanned, in order: vector ordinals
        self.vectors = DuplicateFinder()
        self.ids = DuplicateFinder()  # the current namespace's

    def start(self, files: list[FileInfo]) -> None:
        """A new namespace: ids are compared within it, vectors across the import."""
        self.ids = DuplicateFinder()
        self.files += files

    def add(self, file: FileInfo, result: FileResult) -> None:
        """A file's rows; a file without a result (unreadable) holds no comparable record."""
        file.lengths |= result.lengths
        for finder, hashes in ((self.ids, result.ids), (self.vectors, result.vectors)):
            if hashes is None:
                finder.add_missing(result.rows)
            else:
                finder.add(*hashes)

    def file_done(self, file: FileInfo, namespace_dimension: int | None) -> Iterator[Finding]:
        """A file whose vectors all share one length has that dimension; a mixed file has none
        (its odd rows are R011), so one bad row never makes a file-level finding."""
        shape = file.shape
        if shape is None or not shape.values:
            return
        issues = []
        if shape.dimension is not None:
            found = shape.dimension  # S012 was judged from the schema
        elif len(file.lengths) == 1:
            (found,) = file.lengths
            issues += dimension_issues(found, self.dimension, "every vector")
        else:
            return
        if self.dimension is None:
            other = dimension_disagrees(found, namespace_dimension)
            issues += [other] if other else []
        for issue in issues:
            kept = self.collector.issue(issue, key=file.key, namespace=file.namespace)
            if kept is not None:
                yield kept

    def namespace_done(self, files: list[FileInfo]) -> Iterator[Finding]:
        yield from self._duplicates(self.ids, files, self.id_column, "R005")

    def finish(self) -> Iterator[Finding]:
        yield from self._duplicates(self.vectors, self.files, self.vector_column, "R014")

    def _duplicates(
        self, finder: DuplicateFinder, files: list[FileInfo], column: str, code: str
    ) -> Iterator[Finding]:
        """Confirm hash candidates on the real values; report each later copy against the first."""
        groups = finder.candidates()
        if not groups:
            return
        base = np.cumsum([0] + [f.records for f in files]).astype(np.int64)
        values = self._records_at(files, base, np.concatenate(groups), column)
        pairs = [(o, c[0]) for c in equal_classes(groups, values) for o in c[1:]]
        wanted = np.array([o for pair in pairs for o in pair], np.int64)
        ids = values if code == "R005" else self._records_at(files, base, wanted, self.id_column)
        for ordinal, first in sorted(pairs):
            loc = self._locate(files, base, ordinal, column, ids.get(ordinal))
            related = self._locate(files, base, first, column, ids.get(first))
            text = duplicate_id(related) if code == "R005" else identical_vector(related, column)
            kept = self.collector.finding(code, text, loc, related=related)
            if kept is not None:
                yield kept

    def _records_at(
        self, files: list[FileInfo], base: Ordinals, ordinals: Ordinals, column: str
    ) -> dict[int, Any]:
        """Read back the `column` value of each record ordinal (few: only hash candidates)."""
        out: dict[int, Any] = {}
        if not len(ordinals):
            return out
        ordinals = np.unique(ordinals)  # sorted: each file's ordinals are one run
        which = np.searchsorted(base, ordinals, side="right") - 1
        for in_file in np.split(ordinals, np.flatnonzero(np.diff(which)) + 1):
            index = int(np.searchsorted(base, in_file[0], side="right") - 1)
            first = int(base[index])
            cells = self.read_back(self.store, files[index].key, in_file - first, column)
            out.update((first + row, value) for row, value in cells.items())
        return out

    def _locate(
        self, files: list[FileInfo], base: Ordinals, ordinal: int, column: str, record_id: Any
    ) -> Location:
        index = int(np.searchsorted(base, ordinal, side="right") - 1)
        file = files[index]
        row = ordinal - int(base[index])
        return Location(
            file.uri,
            file.namespace,
            row_group=file.row_group_of(row),
            row=row,
            column=column,
            id=record_id if isinstance(record_id, str) else None,
        )

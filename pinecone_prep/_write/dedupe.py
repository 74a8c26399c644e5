"""Duplicates across a write (R005: an id twice in a namespace; R014: the same vector twice in
the import), found from the staged parts' hash rows and confirmed on the staged values. The
first record is kept; a later copy of an id or of a vector of a kept record is dropped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from .._codes import severity_of
from .._dupes import DuplicateFinder, Ordinals, equal_classes
from .._report import Finding, Location
from .._rules.records import duplicate_id, identical_vector
from .._storage import Store
from .formats import FileFormat
from .model import RejectedRow, StagedFile, StagedPart

Drops = dict[int, dict[int, RejectedRow]]  # file (index into all parts' files) -> row -> why


def find_duplicates(
    store: Store, parts: Sequence[StagedPart], fmt: FileFormat
) -> tuple[Drops, list[RejectedRow]]:
    """The records to drop from the staged files, by file and row, and their rejected rows
    (the staged files are read back in their format `fmt`)."""
    table, files = _hash_rows(parts)
    if not table.num_rows:
        return {}, []
    namespaces = table.column("namespace").combine_chunks().dictionary_encode()
    ns_codes = namespaces.indices.to_numpy(zero_copy_only=False)
    id_hashes = table.column("id_hash").to_numpy()
    id_groups = []
    for code in range(len(namespaces.dictionary)):
        members = np.flatnonzero(ns_codes == code)
        finder = DuplicateFinder()
        finder.add(id_hashes[members])
        id_groups += [members[g] for g in finder.candidates()]
    vectors = table.column("vector_hash")
    finder = DuplicateFinder()
    finder.add(vectors.fill_null(0).to_numpy(), vectors.is_null().to_numpy(zero_copy_only=False))
    vector_groups = finder.candidates()
    if not (id_groups or vector_groups):
        return {}, []
    where = (table.column("file").to_numpy(), table.column("row").to_numpy())
    wanted = np.unique(np.concatenate(id_groups + vector_groups))
    ids = _read(fmt, store, files, where, wanted, "id")
    in_vectors = np.unique(np.concatenate(vector_groups)) if vector_groups else wanted[:0]
    vecs = _read(fmt, store, files, where, in_vectors, "values")
    id_class = {o: k for k, c in enumerate(equal_classes(id_groups, ids)) for o in c}
    vec_class = {o: k for k, c in enumerate(equal_classes(vector_groups, vecs)) for o in c}
    places = _Places(table, namespaces.dictionary.to_pylist(), ns_codes, ids)
    places.labels = [part.part or None for part in parts]
    drops: Drops = {}
    rejected = []
    first_id: dict[int, int] = {}
    first_vec: dict[int, int] = {}
    for g in sorted(id_class.keys() | vec_class.keys()):
        found = []
        ci, cv = id_class.get(g), vec_class.get(g)
        if ci is not None and ci in first_id:
            found.append(places.finding("R005", g, first_id[ci], "id"))
        if cv is not None and cv in first_vec:
            found.append(places.finding("R014", g, first_vec[cv], "values"))
        if found:
            row = places.rejected(g, found)
            rejected.append(row)
            drops.setdefault(int(where[0][g]), {})[int(where[1][g])] = row
            continue
        if ci is not None:
            first_id.setdefault(ci, g)
        if cv is not None:
            first_vec.setdefault(cv, g)
    return drops, rejected


def _hash_rows(parts: Sequence[StagedPart]) -> tuple[pa.Table, list[StagedFile]]:
    """Every part's hash rows in input order (parts in the order given), with `file` indexing
    the concatenation of the parts' files and `part` the part's position."""
    tables: list[pa.Table] = []
    files: list[StagedFile] = []
    for number, part in enumerate(parts):
        t = part.hashes
        encoded = t.column("source").combine_chunks().dictionary_encode()
        order = {source: i for i, source in enumerate(part.sources)}
        rank = np.array([order.get(s, len(order)) for s in encoded.dictionary.to_pylist()])
        sources = rank[encoded.indices.to_numpy(zero_copy_only=False)] if len(rank) else rank
        t = t.take(pa.array(np.lexsort((t.column("source_row").to_numpy(), sources))))
        file = pa.array(t.column("file").to_numpy() + len(files), pa.int32())
        t = t.set_column(t.schema.get_field_index("file"), "file", file)
        tables.append(t.append_column("part", pa.repeat(pa.scalar(number, pa.int32()), len(t))))
        files += part.files
    if not tables:
        return pa.table({"namespace": pa.array([], pa.string())}), files
    return pa.concat_tables(tables), files


def _read(
    fmt: FileFormat,
    store: Store,
    files: list[StagedFile],
    where: tuple[Any, Any],
    ordinals: Ordinals,
    column: str,
) -> dict[int, Any]:
    """The `column` value of each hash row in `ordinals`, read back from the staged files."""
    out: dict[int, Any] = {}
    file_of, row_of = where
    for file in np.unique(file_of[ordinals]).tolist():
        mine = ordinals[file_of[ordinals] == file]
        values = fmt.read_back(store, files[file].key, row_of[mine], column)
        out.update((int(g), values[int(r)]) for g, r in zip(mine, row_of[mine], strict=True))
    return out


class _Places:
    """Locations of hash rows: where each record was in the input."""

    def __init__(self, table: pa.Table, names: list[str], codes: Any, ids: dict[int, Any]) -> None:
        self.sources = table.column("source")
        self.source_rows = table.column("source_row").to_numpy()
        self.parts = table.column("part").to_numpy()
        self.names, self.codes, self.ids = names, codes, ids
        self.labels: list[str | None] = []

    def location(self, g: int, column: str) -> Location:
        return Location(
            self.sources[g].as_py(),
            self.names[self.codes[g]],
            None,
            int(self.source_rows[g]),
            column,
            self.ids.get(g),
        )

    def finding(self, code: str, g: int, first: int, column: str) -> Finding:
        related = self.location(first, column)
        message = duplicate_id(related) if code == "R005" else identical_vector(related)
        return Finding(code, severity_of(code), message, self.location(g, column), related)

    def rejected(self, g: int, found: list[Finding]) -> RejectedRow:
        loc = found[0].location
        label = self.labels[int(self.parts[g])] if self.labels else None
        row = int(self.source_rows[g])
        return RejectedRow(loc.uri, row, loc.namespace, loc.id, tuple(found), label)

"""The survey of a document index's import prefix (JSON Lines): everything learnt from the
listing alone, before any line is read. The layout (L0xx with `.jsonl` / `.jsonl.gz`), names
Pinecone would not read (D014), the manifest (F004), the target index (P0xx, L007, L010), the
schema's integrated embedding (P002) and the limits (M0xx, a `.jsonl.gz` file counted at ten
times its size). Record counts (M002, L008) need the lines: the scan judges them at the end.
A prefix of Parquet files and no JSON Lines, checked against a document index, is P003 alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .._report import FileSummary, Finding
from .._rules import Issue
from .._rules.layout import JSONL_FILES, object_issue, read_layout, scheme_issue
from .._rules.limits import counted_size, limit_issues
from .._schema import DocumentSchema
from .._spec import RESERVED_PREFIX
from .._survey import FileInfo, NamespaceInfo, Survey
from .._types import StoredObject

# Names that look like JSON Lines (any case, other spellings, other compressions) that
# Pinecone's documented `.jsonl` / `.jsonl.gz` do not match. (A `.json` file is one JSON
# value, not lines: a schema or a manifest, not a near miss.)
_NEAR_MISS = re.compile(r"(?i)\.(jsonl|ndjson|jsonlines)(\.(gz|gzip|zst|zstd|bz2|xz|zip))?$")


@dataclass
class DocumentFile(FileInfo):
    """A JSON Lines file of the prefix: its lines are counted by the scan (`lines`)."""

    lines: int = 0
    readable_: bool = True  # False: its gzip stream is broken (F001)
    counted: bool = True  # False: a quick check read its first lines and knows no more

    @property
    def records(self) -> int:
        return self.lines

    @property
    def counted_bytes(self) -> int:
        """The size the limits judge: a `.jsonl.gz` file at ten times its stored size."""
        return counted_size(self.key, self.bytes)

    def row_group_of(self, row: int) -> int | None:
        return None  # JSON Lines has no row groups: a location is file and line

    def summary(self) -> FileSummary:
        return FileSummary(
            uri=self.uri,
            namespace=self.namespace,
            records=self.lines,
            bytes=self.bytes,
            row_groups=0,
            readable=self.readable_,
        )


def near_miss(key: str) -> Issue | None:
    """D014: an object named like JSON Lines that Pinecone's suffixes do not match."""
    name = key.rsplit("/", 1)[-1]
    if JSONL_FILES.matches(key) or name.startswith(RESERVED_PREFIX) or not _NEAR_MISS.search(name):
        return None
    message = f"{name!r} looks like JSON Lines, but Pinecone imports only names ending in"
    return Issue("D014", f"{message} .jsonl or .jsonl.gz", key, key.split("/")[0] or None)


def embedding_issue(schema: DocumentSchema) -> Issue | None:
    """P002 from the schema itself: fields Pinecone embeds (the server refuses such an
    import; with `--index` the index rules say the same)."""
    if not schema.embedded:
        return None
    names = ", ".join(repr(n) for n in schema.embedded)
    return Issue(
        "P002",
        f"the schema's field(s) {names} use integrated embedding; Pinecone refuses imports into"
        " such an index (every field must be supplied by the files)",
    )


class DocumentSurvey(Survey):
    """`Survey` for JSON Lines: the same phases, judged on the listing alone."""

    def __init__(self, *args: Any, schema: DocumentSchema, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema

    def __iter__(self) -> Iterator[Finding]:
        store, opts = self.store, self.options
        dry_run = scheme_issue(store.scheme, store.importable)
        if dry_run is not None:
            yield from self._emit(dry_run)
        if store.is_object():
            yield from self._emit(object_issue(store.uri, JSONL_FILES))
            return
        listing = store.list()
        if self._foreign(listing):
            yield from self._index(listing)  # P003: Parquet cannot go into a document index
            return
        self.layout = read_layout(listing, JSONL_FILES)
        for issue in self.layout.issues:
            yield from self._emit(issue)
        yield from self._near_misses(listing)
        yield from self._manifest(listing)
        yield from self._index(listing)
        embedded = embedding_issue(self.schema)
        said = opts.index is not None and opts.index.integrated  # the index rules' P002
        if embedded is not None and not said:
            yield from self._emit(embedded)
        self.namespaces = [
            NamespaceInfo(
                name, [DocumentFile(name, o.key, store.uri_of(o.key), o.size) for o in objs]
            )
            for name, objs in self.layout.namespaces.items()
        ]
        self.meter.total = sum(ns.bytes for ns in self.namespaces)
        if opts.limits is not None:
            yield from self._sized_limits()

    def _near_misses(self, listing: list[StoredObject]) -> Iterator[Finding]:
        for obj in listing:
            issue = near_miss(obj.key)
            if issue is not None:
                yield from self._emit(issue)

    def _sized_limits(self) -> Iterator[Finding]:
        """M001, M003-M006 (M002 needs the record counts: `record_limit`)."""
        limits = self.options.limits
        assert limits is not None
        files = [f for ns in self.namespaces for f in ns.files if isinstance(f, DocumentFile)]
        ns_bytes: dict[str, int] = {ns.name: 0 for ns in self.namespaces}
        for f in files:
            ns_bytes[f.namespace] += f.counted_bytes
        sizes = [(f.namespace, f.key, f.counted_bytes) for f in files]
        for issue in limit_issues(replace(limits, max_records=None), ns_bytes, {}, sizes):
            yield from self._emit(issue)

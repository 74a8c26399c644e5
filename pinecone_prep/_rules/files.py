"""File rules: F001 (unreadable), F002 (empty file), F003 (files of one namespace disagree),
F004 (the root differs from the writer's manifest) and L008 (a namespace without records)."""

from __future__ import annotations

from collections.abc import Sequence

from .._manifest import Manifest
from .._spec import MANIFEST_KEY
from .._types import Kind, StoredObject, family
from . import Issue
from .layout import PARQUET_FILES, FileKind


def unreadable(size: int, reason: str, what: str = "Parquet") -> Issue:
    """F001 for an object whose footer pyarrow rejects (or whose gzip stream is broken)."""
    return Issue("F001", f"not readable {what} ({size:,} bytes): {reason}")


def unreadable_row_group(group: int, reason: str) -> Issue:
    return Issue("F001", f"row group {group} is unreadable: {reason}", row_group=group)


def not_parquet_start() -> Issue:
    """F001 for a file whose first bytes are not Parquet's magic (pyarrow reads from the end)."""
    return Issue("F001", "the file does not start with Parquet's magic bytes PAR1")


def rows_issue(group: int, claimed: int, found: int) -> Issue:
    """F001 for a row group whose pages hold another number of rows than its footer claims."""
    return Issue(
        "F001",
        f"row group {group}: the footer claims {claimed:,} rows but its pages hold {found:,}",
        row_group=group,
    )


def empty_file(rows: int) -> Issue | None:
    return Issue("F002", "file has zero rows") if rows == 0 else None


def kind_disagrees(file_kind: Kind, namespace_kind: Kind) -> Issue | None:
    """F003: a file whose records cannot share the namespace's (dense or sparse) index."""
    if family(file_kind) == family(namespace_kind):
        return None
    return Issue("F003", f"file is {file_kind} but the namespace is {namespace_kind}")


def dimension_disagrees(found: int, namespace_dimension: int | None) -> Issue | None:
    if namespace_dimension is None or found == namespace_dimension:
        return None
    return Issue(
        "F003",
        f"file has dimension {found} but the namespace's first vector has {namespace_dimension}",
        column="values",
    )


def empty_namespace(namespace: str) -> Issue:
    return Issue(
        "L008",
        "namespace has no records at all; Pinecone fails with 'No vectors added, all rows were"
        " skipped'",
        namespace,
        namespace,
    )


def manifest_unreadable(reason: str) -> Issue:
    return Issue(
        "F004",
        f"the manifest cannot be read, so nothing is compared with it: {reason}",
        MANIFEST_KEY,
        severity="warning",
    )


def _at(key: str) -> str | None:
    return key.split("/")[0] if "/" in key else None


def manifest_issues(
    listing: Sequence[StoredObject], manifest: Manifest, files: FileKind = PARQUET_FILES
) -> list[Issue]:
    """F004: a listing of an import root (keys relative to it) against the root's manifest.
    Record counts need the files' footers: see `manifest_records_issue`."""
    issues = []
    if manifest.pending:
        issues.append(
            Issue(
                "F004",
                f"a pinecone-prep write stopped while publishing {len(manifest.pending):,}"
                " file(s): re-run it with the same arguments to finish",
                MANIFEST_KEY,
            )
        )
    listed = {obj.key: obj.size for obj in listing}
    for f in manifest.files:
        size = listed.get(f.key)
        if size is None:
            message = f"missing: the manifest lists it with {f.records:,} records"
            issues.append(Issue("F004", message, f.key, _at(f.key)))
        elif size != f.bytes:
            message = f"{size:,} bytes, the manifest says {f.bytes:,}: changed after writing"
            issues.append(Issue("F004", message, f.key, _at(f.key)))
    expected = manifest.by_key
    for key in sorted(listed):
        if files.matches(key) and key not in expected:
            issues.append(
                Issue(
                    "F004",
                    "not written by pinecone-prep (absent from the manifest); Pinecone imports"
                    " it all the same",
                    key,
                    _at(key),
                    severity="warning",
                )
            )
    return issues


def manifest_records_issue(manifest: Manifest, key: str, records: int) -> Issue | None:
    """F004 when the file at `key` (listed in the manifest) holds another record count."""
    listed = manifest.by_key.get(key)
    if listed is None or listed.records == records:
        return None
    return Issue(
        "F004", f"{records:,} records, the manifest says {listed.records:,}: changed after writing"
    )

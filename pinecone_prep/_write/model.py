"""What a write takes and gives: its options, the staged part of a write (`StagedPart`, what
`stage` returns and `publish` takes), the result (`WriteResult`) and the exception for rows
rejected under `on_invalid="error"` (`RowsRejected`)."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pyarrow as pa

from .._errors import UsageError, ValidationError
from .._limits import Limits
from .._report import Finding, RejectionSummary, Report, rejection_report
from .._rules.layout import folder_problem
from .._rules.schema import dimension_issues
from .._schema import DocumentSchema
from .._types import Kind, check_choice, check_dimension, check_kind, check_positive
from .columns import ColumnPlan

OnInvalid = Literal["error", "skip", "quarantine"]
FileFormatName = Literal["parquet", "jsonl"]
MiB = 2**20
# Small enough that files are written while the next are checked (and memory stays bounded),
# large enough that a terabyte is ~7,500 files (the per-import limit is 100,000).
DEFAULT_TARGET_FILE_BYTES = 128 * MiB
# ~10k rows of 1536-d float32: tens of MB, so a reader holds one row group in bounded memory.
DEFAULT_ROW_GROUP_BYTES = 64 * MiB
MAX_FILE_BYTES = Limits.profile("2024").max_file_bytes or 10**10


@dataclass(frozen=True, kw_only=True)
class WriteOptions:
    columns: ColumnPlan
    namespace: str | None = None
    kind: Kind | None = None
    dimension: int | None = None
    on_invalid: OnInvalid = "error"
    quarantine_uri: str | None = None
    target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES
    row_group_bytes: int = DEFAULT_ROW_GROUP_BYTES
    overwrite: bool = False
    file_format: FileFormatName = "parquet"
    schema: DocumentSchema | None = None  # a document index's, for JSON Lines
    gzip: bool = False

    @property
    def format_name(self) -> str:
        """ "parquet", "jsonl" or "jsonl.gz": what a staged part records."""
        return "jsonl.gz" if self.gzip else self.file_format

    def __post_init__(self) -> None:
        self._check_format()
        check_kind(self.kind)
        if check_dimension(self.dimension) is not None:
            for issue in dimension_issues(self.dimension or 1, None, "the dimension argument"):
                raise UsageError(issue.message)
        check_choice(self.on_invalid, "on_invalid", ("error", "skip", "quarantine"))
        check_positive(self.target_file_bytes, "target_file_bytes")
        check_positive(self.row_group_bytes, "row_group_bytes")
        if self.target_file_bytes + self.row_group_bytes > MAX_FILE_BYTES:
            raise UsageError(
                "target_file_bytes + row_group_bytes must stay within Pinecone's file size limit"
                f" ({MAX_FILE_BYTES:,} bytes): sizes are estimated on Arrow data, and one row"
                " group is the margin for what encoding adds"
            )
        if self.namespace is not None and self.columns.namespace is not None:
            raise UsageError("give namespace or namespace_column, not both")
        if self.namespace is not None:
            if not isinstance(self.namespace, str):
                raise UsageError(f"namespace must be a string, not {self.namespace!r}")
            problem = folder_problem(self.namespace)
            if problem:
                raise UsageError(f"invalid namespace: {problem}")
        if self.quarantine_uri is not None and self.on_invalid != "quarantine":
            raise UsageError("quarantine_uri needs on_invalid='quarantine'")

    def _check_format(self) -> None:
        """JSON Lines needs a document schema, which then fixes the vectors; Parquet takes
        no schema and no gzip."""
        check_choice(self.file_format, "format", ("parquet", "jsonl"))
        if self.file_format == "parquet":
            if self.schema is not None or self.gzip:
                raise UsageError("schema and gzip are for format='jsonl' (a document index)")
            return
        if self.schema is None:
            raise UsageError("format='jsonl' needs the document index's schema (schema=...)")
        if self.kind is not None:
            raise UsageError("kind describes a vector index; a document schema is given")
        dense = self.schema.dense
        if self.dimension is not None and (dense is None or dense[1].dimension != self.dimension):
            found = dense[1].dimension if dense else None
            raise UsageError(f"dimension={self.dimension} contradicts the schema's ({found})")


@dataclass(frozen=True)
class WrittenFile:
    uri: str
    namespace: str
    records: int
    bytes: int
    sha256: str  # of the bytes as written


@dataclass(frozen=True)
class RejectedRow:
    """One input row that was not written, with a finding per rule it breaks.

    `source` is "input" (the data given), "input[i]" (its i-th item when it is a list or other
    iterable) or an input file's URI; `row` is 0-based within that source; `part` is the
    staged part it came from (None for a plain `write`).
    """

    source: str
    row: int
    namespace: str | None
    id: str | None
    findings: tuple[Finding, ...]
    part: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "row": self.row,
            "namespace": self.namespace,
            "id": self.id,
            "part": self.part,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class StagedFile:
    """A file written by a staged part, under its temporary key (relative to the root)."""

    key: str
    namespace: str
    records: int
    bytes: int
    sha256: str


@dataclass
class StagedPart:
    """What `stage` wrote under the root's temporary folder, for `publish` to finish: the
    files, the rows it rejected, and a hash per accepted record (`hashes`: namespace, id and
    vector hashes, the file index and row of the record, its source and source row), so that
    duplicates across parts are found without reading the files again."""

    job: str
    part: str
    folder: str  # the attempt's temporary folder, relative to the root
    schema: pa.Schema | None
    kind: Kind | None
    dimension: int | None
    files: list[StagedFile]
    rejected: list[RejectedRow]
    hashes: pa.Table
    quarantine: list[StagedFile] = field(default_factory=list)  # rejected rows, as files
    ignored_columns: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # the inputs, in order: rejected rows are sorted by them
    format: str = "parquet"  # "parquet", "jsonl" or "jsonl.gz": how its files are written
    vector_field: str | None = "values"  # where its records' vectors are (JSON Lines: a field)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)


@dataclass
class WriteResult:
    """What a write did: the files published (in namespace order), the rows it rejected."""

    root: str
    files: list[WrittenFile]
    rejected: list[RejectedRow]
    manifest: str | None  # the manifest's URI, None when nothing was published
    quarantine: str | None  # the quarantine prefix's URI, when rows were quarantined
    ignored_columns: tuple[str, ...] = ()  # input columns no option named: not written

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def namespaces(self) -> dict[str, int]:
        """Records written per namespace."""
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.namespace] = counts.get(f.namespace, 0) + f.records
        return counts

    def report(self) -> Report[RejectionSummary]:
        """The rejected rows' findings as a Report (the one `RowsRejected` carries)."""
        findings = [f for row in self.rejected for f in row.findings]
        return rejection_report(self.root, findings, rows=len(self.rejected))

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "records": self.records,
            "bytes": self.bytes,
            "namespaces": self.namespaces,
            "files": [asdict(f) for f in self.files],
            "rejected": [r.to_dict() for r in self.rejected],
            "manifest": self.manifest,
            "quarantine": self.quarantine,
            "ignored_columns": list(self.ignored_columns),
        }

    def __repr__(self) -> str:
        return (
            f"<WriteResult {self.root!r}: {self.records:,} records in {len(self.files):,}"
            f" file(s), {len(self.namespaces):,} namespace(s), {len(self.rejected):,} rejected>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td>{esc(ns)}</td><td>{n:,}</td></tr>" for ns, n in self.namespaces.items()
        )
        rejected = self.report()._repr_html_() if self.rejected else ""
        return (
            f"<div><b>{self.records:,} records</b> in {len(self.files):,} file(s) under"
            f" {esc(self.root)}; {len(self.rejected):,} row(s) rejected"
            f"<table><tr><th>namespace</th><th>records</th></tr>{rows}</table>{rejected}</div>"
        )


class RowsRejected(ValidationError):
    """`write(on_invalid="error")` rejected rows; nothing was published. `report` holds a
    finding per rejected row and rule (warnings too: the writer rejects those as well)."""

    def __init__(self, root: str, rejected: list[RejectedRow]) -> None:
        findings = [f for row in rejected for f in row.findings]
        report = rejection_report(root, findings, rows=len(rejected))
        first = {f.code: f.message for f in reversed(findings)}
        counts = ", ".join(
            f"{code} x{n:,} (e.g. {first[code]})" for code, n in report.summary.by_code.items()
        )
        message = (
            f"{len(rejected):,} row(s) rejected ({counts}); nothing was published under {root}"
        )
        super().__init__(message, report=report)
        self.rejected = rejected

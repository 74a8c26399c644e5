"""Findings, their locations, and the reports that summarise them (no data is ever held).

Rule results become findings in one place: `_collector.py`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Generic, TypeVar

import orjson

from ._codes import Severity
from ._errors import ValidationError

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Location:
    """Where a finding is: `row` is 0-based within the file; unknown parts are None."""

    uri: str
    namespace: str | None = None
    row_group: int | None = None
    row: int | None = None
    column: str | None = None
    id: str | None = None

    def __str__(self) -> str:
        parts = [self.uri]
        if self.row_group is not None:
            parts.append(f"row group {self.row_group}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        if self.id is not None:
            parts.append(f"id {self.id!r}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Finding:
    """One rule violation (or notice): a stable `code`, plain-words `message`, exact `location`.

    `related` is the other place involved, e.g. the first occurrence of a duplicate id.
    """

    code: str
    severity: Severity
    message: str
    location: Location
    related: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "location": asdict(self.location),
            "related": asdict(self.related) if self.related else None,
        }

    def __str__(self) -> str:
        return f"{self.code} {self.severity}: {self.message} ({self.location})"


# --- summaries ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Counts:
    """Exact counts of findings, whatever the cap on examples: `examples_omitted` is how many
    findings the cap left out of a report's `findings`."""

    by_severity: Mapping[Severity, int] = field(
        default_factory=lambda: dict.fromkeys(SEVERITIES, 0)
    )
    by_code: Mapping[str, int] = field(default_factory=dict)
    error_codes: tuple[str, ...] = ()
    examples_omitted: int = 0

    def counts_dict(self) -> dict[str, Any]:
        return {
            "by_severity": dict(self.by_severity),
            "by_code": dict(self.by_code),
            "error_codes": list(self.error_codes),
            "examples_omitted": self.examples_omitted,
        }

    def plus(self, findings: Iterable[Finding]) -> dict[str, Any]:
        """The counts with `findings` added, as keyword arguments for `replace`."""
        by_code, by_severity = dict(self.by_code), dict(self.by_severity)
        errors = set(self.error_codes)
        for item in findings:
            by_code[item.code] = by_code.get(item.code, 0) + 1
            by_severity[item.severity] += 1
            if item.severity == "error":
                errors.add(item.code)
        return {
            "by_code": dict(sorted(by_code.items())),
            "by_severity": by_severity,
            "error_codes": tuple(sorted(errors)),
        }


@dataclass(frozen=True, kw_only=True)
class FileSummary:
    uri: str
    namespace: str
    records: int
    bytes: int
    row_groups: int
    readable: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class NamespaceSummary:
    name: str
    kind: str | None
    kind_source: str | None  # "given" | "inferred" | "index"
    dimension: int | None
    files: int
    records: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class Summary(Counts):
    """What `check` saw: totals, exact finding counts, and per namespace and file.

    `records_counted` is False when some file's records were not all counted (a quick check
    of JSON Lines reads the first lines of each file, and only a manifest gives the rest):
    `records` is then a lower bound."""

    uri: str
    limits: str
    namespaces: int = 0
    files: int = 0
    records: int = 0
    bytes: int = 0
    by_namespace: tuple[NamespaceSummary, ...] = ()
    by_file: tuple[FileSummary, ...] = ()
    records_counted: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "limits": self.limits,
            "namespaces": self.namespaces,
            "files": self.files,
            "records": self.records,
            "records_counted": self.records_counted,
            "bytes": self.bytes,
            **self.counts_dict(),
            "by_namespace": [ns.to_dict() for ns in self.by_namespace],
            "by_file": [f.to_dict() for f in self.by_file],
        }


@dataclass(frozen=True, kw_only=True)
class RejectionSummary(Counts):
    """What a write rejected (or an input it could not read): `rows_rejected` rows."""

    uri: str
    rows_rejected: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "rows_rejected": self.rows_rejected, **self.counts_dict()}


S = TypeVar("S", Summary, RejectionSummary)


@dataclass(frozen=True)
class Report(Generic[S]):
    """Findings (examples capped per code and file) and a `summary` with exact counts: a
    `Summary` from `check`, a `RejectionSummary` for the rows a write rejected."""

    findings: list[Finding]
    summary: S

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings and infos are allowed)."""
        return not self.summary.by_severity.get("error", 0)

    @property
    def error_codes(self) -> set[str]:
        return set(self.summary.error_codes)

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def describe_errors(self) -> str:
        """One line: the error count, then each error code with its count and first example."""
        first: dict[str, str] = {}
        for item in self.findings:
            if item.severity == "error":
                first.setdefault(item.code, item.message)
        codes = "; ".join(
            f"{code} x{n:,}" + (f" (e.g. {first[code]})" if code in first else "")
            for code, n in self.summary.by_code.items()
            if n and code in self.error_codes
        )
        errors = self.summary.by_severity.get("error", 0)
        return f"{errors:,} error(s) in {self.summary.uri}: {codes}"

    def raise_for_errors(self) -> Report[S]:
        """Raise `ValidationError` when the report has errors; return the report otherwise."""
        if not self.valid:
            raise ValidationError(self.describe_errors(), report=self)
        return self

    def extended(self, findings: Sequence[Finding]) -> Report[S]:
        """This report with more findings, counted in the summary."""
        return Report(
            [*self.findings, *findings], replace(self.summary, **self.summary.plus(findings))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "summary": self.summary.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, *, indent: bool = False) -> str:
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_dict(), option=option).decode()

    def __repr__(self) -> str:
        s = self.summary
        verdict = "valid" if self.valid else "INVALID"
        counts = ", ".join(f"{n} {sev}" for sev, n in s.by_severity.items() if n) or "no findings"
        codes = " ".join(f"{c}x{n}" for c, n in list(s.by_code.items())[:8])
        more = " ..." if len(s.by_code) > 8 else ""
        return f"<Report {verdict} {s.uri!r}: {counts}{'; ' + codes + more if codes else ''}>"

    def _repr_html_(self) -> str:
        return report_html(self)


def report_html(report: Report[Any], *, examples: int = 3) -> str:
    """A notebook view: the verdict, the counts, and each code with its first locations."""
    esc = html.escape
    s = report.summary
    rows = []
    for code, n in s.by_code.items():
        shown = [f for f in report.findings if f.code == code][:examples]
        where = "<br>".join(esc(f"{f.location}: {f.message}") for f in shown)
        rows.append(f"<tr><td>{esc(code)}</td><td>{n:,}</td><td>{where}</td></tr>")
    verdict = "valid" if report.valid else "INVALID"
    counts = ", ".join(f"{n:,} {sev}" for sev, n in s.by_severity.items())
    return (
        f"<div><b>{esc(verdict)}</b> {esc(s.uri)}: {esc(counts)}"
        "<table><tr><th>code</th><th>count</th><th>first locations</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )


def rejection_report(
    uri: str, findings: Sequence[Finding], *, rows: int
) -> Report[RejectionSummary]:
    """A report of every finding given (no cap): what a write rejected, or an unreadable input."""
    summary = RejectionSummary(uri=uri, rows_rejected=rows, **Counts().plus(findings))
    return Report(list(findings), summary)

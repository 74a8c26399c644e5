"""Findings, their locations, and the report that summarises them (no data is ever held)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from ._codes import CODES, Severity
from ._errors import ValidationError


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


@dataclass
class Report:
    """The result of `check()`: `findings` (examples capped per code and file) and `summary`.

    `summary` counts stay exact whatever the cap: `by_code` and `by_severity` count every
    occurrence; `examples_omitted` says how many findings the cap left out of `findings`.
    """

    findings: list[Finding]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings and infos are allowed)."""
        return not self.summary["by_severity"].get("error", 0)

    @property
    def error_codes(self) -> set[str]:
        return set(self.summary.get("error_codes", ()))

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def raise_for_errors(self) -> Report:
        """Raise `ValidationError` when the report has errors; return the report otherwise."""
        if not self.valid:
            raise ValidationError(self)
        return self

    def extended(self, findings: Sequence[Finding]) -> Report:
        """This report with more findings, counted in the summary."""
        summary = dict(self.summary)
        by_code, by_severity = dict(summary["by_code"]), dict(summary["by_severity"])
        error_codes = set(summary["error_codes"])
        for item in findings:
            by_code[item.code] = by_code.get(item.code, 0) + 1
            by_severity[item.severity] += 1
            if item.severity == "error":
                error_codes.add(item.code)
        summary.update(
            by_code=dict(sorted(by_code.items())),
            by_severity=by_severity,
            error_codes=sorted(error_codes),
        )
        return Report([*self.findings, *findings], summary)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "summary": self.summary,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, *, indent: bool = False) -> str:
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_dict(), option=option).decode()


class Tally:
    """Exact counts of findings by code and severity, and of examples left out by a cap."""

    def __init__(self) -> None:
        self.by_code: dict[str, int] = {}
        self.by_severity: dict[str, int] = {"error": 0, "warning": 0, "info": 0}
        self.error_codes: set[str] = set()
        self.omitted = 0

    def add(self, code: str, severity: Severity, n: int = 1) -> None:
        self.by_code[code] = self.by_code.get(code, 0) + n
        self.by_severity[severity] += n
        if severity == "error":
            self.error_codes.add(code)

    def as_summary(self) -> dict[str, Any]:
        return {
            "by_severity": dict(self.by_severity),
            "by_code": dict(sorted(self.by_code.items())),
            "error_codes": sorted(self.error_codes),
            "examples_omitted": self.omitted,
        }


def finding(
    code: str,
    message: str,
    location: Location,
    *,
    severity: Severity | None = None,
    related: Location | None = None,
) -> Finding:
    """Build a finding with the catalogue's severity unless the rule says otherwise."""
    return Finding(code, severity or CODES[code].severity, message, location, related)

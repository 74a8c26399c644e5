"""The one place where rule results (`Issue`, `Hit`) become `Finding`s: `Collector` adds the
location, takes the severity from the catalogue, caps the examples kept per code and file, and
counts every occurrence exactly; `hit_findings` does the same for one batch, in a worker
thread."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._codes import Severity, severity_of
from ._report import SEVERITIES, Finding, Location

if TYPE_CHECKING:
    import pyarrow as pa

    from ._rules import Hit, Issue


@dataclass(frozen=True)
class Place:
    """Where a batch of rows is: its file's (or input's) URI, its namespace (or each row's,
    `namespaces`), the row of its first row within the file, how to find a row's row group,
    and the batch's ids (for locations)."""

    uri: str
    namespace: str | None
    first_row: int = 0
    row_group_of: Callable[[int], int | None] = lambda row: None
    ids: pa.Array | None = None
    namespaces: Sequence[str | None] | None = None

    def location(self, row: int, column: str | None) -> Location:
        at = self.first_row + row
        namespace = self.namespaces[row] if self.namespaces is not None else self.namespace
        where = column or None  # "": a problem of the whole row
        return Location(self.uri, namespace, self.row_group_of(at), at, where, self._id(row))

    def _id(self, row: int) -> str | None:
        if self.ids is None or not self.ids[row].is_valid:
            return None
        try:
            value = self.ids[row].as_py()
        except UnicodeDecodeError:  # not UTF-8 (R004): shown with replacement characters
            import pyarrow

            raw = self.ids.cast(pyarrow.binary())[row].as_py()
            value = raw.decode("utf-8", "replace")
        return value if isinstance(value, str) else None


@dataclass
class Batch:
    """A batch's findings: the examples (at most a cap per hit) and exact counts."""

    findings: list[Finding] = field(default_factory=list)
    counts: dict[tuple[str, Severity], int] = field(default_factory=dict)
    omitted: int = 0


def hit_findings(hits: Iterable[Hit], place: Place, cap: int | None) -> Batch:
    """The findings of one batch's hits: a pure function, so worker threads may call it (the
    examples kept are then capped per file by `Collector.take`)."""
    out = Batch()
    for hit in hits:
        severity = hit.severity or severity_of(hit.code)
        key = (hit.code, severity)
        out.counts[key] = out.counts.get(key, 0) + len(hit.rows)
        shown = hit.rows if cap is None else hit.rows[:cap]
        out.omitted += len(hit.rows) - len(shown)
        for row in shown.tolist():
            loc = place.location(row, hit.column)
            out.findings.append(Finding(hit.code, severity, hit.describe(row), loc))
    return out


class Collector:
    """Counts every finding exactly and keeps at most `max_examples` per code and file."""

    def __init__(self, *, max_examples: int | None, uri_of: Callable[[str], str]) -> None:
        self.max_examples = max_examples
        self.uri_of = uri_of
        self._by_code: dict[str, int] = {}
        self._by_severity: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
        self._errors: set[str] = set()
        self._omitted = 0
        self._shown: dict[tuple[str, str], int] = {}

    def issue(self, issue: Issue, *, key: str = "", namespace: str | None = None) -> Finding | None:
        """Count an issue; its finding when the cap keeps it. The issue's own key and
        namespace win over the caller's."""
        where = issue.key if issue.key is not None else key
        loc = Location(
            self.uri_of(where),
            issue.namespace or namespace,
            row_group=issue.row_group,
            column=issue.column,
        )
        return self.finding(issue.code, issue.message, loc, severity=issue.severity)

    def finding(
        self,
        code: str,
        message: str,
        location: Location,
        *,
        severity: Severity | None = None,
        related: Location | None = None,
    ) -> Finding | None:
        item = Finding(code, severity or severity_of(code), message, location, related)
        self._count(item.code, item.severity, 1)
        return item if self._keep(item) else None

    def take(self, batch: Batch) -> list[Finding]:
        """Count a batch's findings (see `hit_findings`); the examples the cap keeps."""
        for (code, severity), n in batch.counts.items():
            self._count(code, severity, n)
        self._omitted += batch.omitted
        return [item for item in batch.findings if self._keep(item)]

    def _count(self, code: str, severity: Severity, n: int) -> None:
        self._by_code[code] = self._by_code.get(code, 0) + n
        self._by_severity[severity] += n
        if severity == "error":
            self._errors.add(code)

    def _keep(self, item: Finding) -> bool:
        key = (item.code, item.location.uri)
        shown = self._shown.get(key, 0)
        if self.max_examples is not None and shown >= self.max_examples:
            self._omitted += 1
            return False
        self._shown[key] = shown + 1
        return True

    def state(self) -> dict[str, Any]:
        """Everything counted and kept so far (plain data: a distributed check ships it)."""
        return {
            "by_code": dict(self._by_code),
            "by_severity": dict(self._by_severity),
            "errors": set(self._errors),
            "omitted": self._omitted,
            "shown": dict(self._shown),
        }

    def restore(self, state: dict[str, Any]) -> None:
        self._by_code, self._by_severity = dict(state["by_code"]), dict(state["by_severity"])
        self._errors, self._omitted = set(state["errors"]), state["omitted"]
        self._shown = dict(state["shown"])

    def counts(self) -> dict[str, Any]:
        """The exact counts so far, as keyword arguments of a summary."""
        return {
            "by_severity": dict(self._by_severity),
            "by_code": dict(sorted(self._by_code.items())),
            "error_codes": tuple(sorted(self._errors)),
            "examples_omitted": self._omitted,
        }

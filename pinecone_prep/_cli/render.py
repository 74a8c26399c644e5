"""Everything the command line shows a person: the only module that imports rich."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

import pinecone_prep as pp

out = Console(highlight=False, soft_wrap=True)


err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(
    enabled: bool, label: str, *, percent: bool = False
) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, only when stderr is a terminal: over bytes, or with
    `percent` over a share of 100 (an import reports percent, not bytes)."""
    if not (enabled and err.is_terminal):
        yield None
        return
    counters = (
        (TaskProgressColumn(), TimeElapsedColumn())
        if percent
        else (DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    )
    columns = (TextColumn(label), BarColumn(), *counters)
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def bytes_text(n: int) -> str:
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def print_findings(report: pp.Report[Any], limit: int | None, more: str) -> None:
    """The findings grouped by code with exact counts, at most `limit` locations per code."""
    by_code: dict[str, list[pp.Finding]] = {}
    for item in report.findings:
        by_code.setdefault(item.code, []).append(item)
    colors = {"error": "red", "warning": "yellow", "info": "blue"}
    for code, count in report.summary.by_code.items():
        examples = by_code.get(code, [])[:limit]
        severity, meaning = pp.CODES[code].severity, pp.CODES[code].meaning
        if examples:
            severity = examples[0].severity
        out.print(f"\n[bold {colors[severity]}]{code}[/] {severity} x{count:,}: {escape(meaning)}")
        for item in examples:
            out.print(f"  {escape(str(item.location))}: {escape(item.message)}")
        if len(examples) < count:
            out.print(f"  ... {count - len(examples):,} more ({more})")


def print_report(report: pp.Report[pp.Summary]) -> None:
    summary = report.summary
    table = Table(title=f"Import prefix {escape(summary.uri)}", title_justify="left")
    for name in ("namespace", "kind", "dimension", "files", "records", "bytes"):
        table.add_column(name, justify="right" if name in ("files", "records", "bytes") else "left")
    for ns in summary.by_namespace:
        kind = f"{ns.kind} ({ns.kind_source})" if ns.kind else "-"
        table.add_row(
            escape(ns.name),
            kind,
            str(ns.dimension or "-"),
            f"{ns.files:,}",
            f"{ns.records:,}",
            bytes_text(ns.bytes),
        )
    table.add_section()
    table.add_row(
        "total",
        "",
        "",
        f"{summary.files:,}",
        f"{summary.records:,}",
        bytes_text(summary.bytes),
    )
    out.print(table)
    files = summary.by_file
    if 0 < len(files) <= 50:
        ftable = Table(title="Files", title_justify="left")
        for name in ("file", "row groups", "records", "bytes"):
            # Fold long URIs rather than cut them: logs are read when stdout is no terminal.
            ftable.add_column(name, justify="left" if name == "file" else "right", overflow="fold")
        for f in files:
            rgs = str(f.row_groups) if f.readable else "unreadable"
            ftable.add_row(escape(f.uri), rgs, f"{f.records:,}", bytes_text(f.bytes))
        out.print(ftable)
    elif files:
        out.print(f"{len(files):,} files (per-file detail: --format json)")

    print_findings(report, None, "raise --max-examples to see them")
    sev = summary.by_severity
    verdict = "[bold green]VALID[/]" if report.valid else "[bold red]INVALID[/]"
    records = f"{summary.records:,} records"
    if not summary.records_counted:
        records = f"at least {records} (quick: the first lines of each file, not all counted)"
    out.print(
        f"\n{verdict}: {sev['error']:,} error(s), {sev['warning']:,} warning(s),"
        f" {sev['info']:,} info in {records}"
    )


def print_plan(result: pp.ImportPlan) -> None:
    table = Table(
        title=f"Import plan for {escape(result.uri)} (limits {result.limits.name})",
        title_justify="left",
    )
    for name in ("request", "namespaces", "files", "records", "bytes"):
        table.add_column(name, justify="right" if name in ("files", "records", "bytes") else "left")
    for request in result.requests:
        names = ", ".join(request.namespaces)
        table.add_row(
            f"{request.number:03d}",
            escape(names if len(names) <= 60 else names[:57] + "..."),
            f"{request.files:,}",
            "-" if request.records is None else f"{request.records:,}",
            bytes_text(request.bytes),
        )
    out.print(table)
    for request in result.requests:
        where = request.uri or "(not materialized: use --materialize DEST)"
        out.print(f"request {request.number:03d} start_import URI: {escape(where)}")
    for item in result.findings:
        out.print(escape(str(item)))
    if result.unplaceable:
        names = escape(", ".join(result.unplaceable))
        out.print(f"[red]cannot be imported as they are:[/] {names}")
    verdict = "[bold green]OK[/]" if result.valid else "[bold red]NOT IMPORTABLE[/]"
    records = (
        "records not counted (JSON Lines: a plan reads no line; check counts them)"
        if result.records is None
        else f"{result.records:,} records"
    )
    out.print(
        f"\n{verdict}: {len(result.requests)} request(s), {records}, {bytes_text(result.bytes)}"
    )


def follow(bar: Callable[[int, int], None] | None) -> Callable[[pp.ImportState], None]:
    """Show each polled state on the bar (when stderr is a terminal) and, above it or alone in
    a CI log, one line per new phase."""
    last = [""]

    def show(state: pp.ImportState) -> None:
        if bar is not None:
            bar(round(state.percent_complete or 0), 100)
        phase = state.status
        if phase == "InProgress" and state.percent_complete == 100:
            # Pinecone's docs: loaded records are then indexed, usually for 10+ minutes.
            phase += " (all records read; Pinecone is indexing them)"
        if phase != last[0]:
            last[0] = phase
            err.print(f"import {state.id}: {phase}")

    return show


def follow_hint(outcome: pp.ImportOutcome) -> str:
    command = f"pinecone-prep imports describe {outcome.id} --index {outcome.index}"
    return f"follow it with: {escape(command)}"


def print_outcome(outcome: pp.ImportOutcome) -> None:
    state, expected = outcome.state, outcome.records_expected
    if state is None:
        out.print(f"import {outcome.id} is running; {follow_hint(outcome)}")
    elif not state.done:
        out.print(
            f"[bold yellow]still {state.status}[/] ({state.percent_complete or 0:.0f}%) at the"
            f" --timeout; the import keeps running on Pinecone; {follow_hint(outcome)}"
        )
    elif state.status == "Completed":
        out.print(_completed(outcome))
    elif state.status == "Failed":
        imported = state.records_imported or 0
        partly = f" ({_share(imported, expected)} records imported before it stopped)"
        reason = escape(state.error or "Pinecone gave no reason")
        out.print(f"[bold red]Failed[/]: {reason}{partly if imported else ''}")
    else:
        imported = state.records_imported or 0
        out.print(f"[bold yellow]Cancelled[/] after {_share(imported, expected)} records")
    if outcome.advice:
        out.print(f"[yellow]what now:[/] {escape(outcome.advice)}")


def _share(imported: int, expected: int | None) -> str:
    return f"{imported:,}" if expected is None else f"{imported:,} of {expected:,}"


def _uncounted(outcome: pp.ImportOutcome) -> str:
    """A Completed import of a prefix whose records the check did not all count (a quick
    check of JSON Lines): only Pinecone's own numbers."""
    imported, rejected = outcome.records_imported, outcome.records_rejected
    got = "no record count" if imported is None else f"{imported:,} records imported"
    if rejected:
        return (
            f"[bold red]Completed, records missing[/]: {got}; Pinecone's validation rejected"
            f" {rejected:,}"
        )
    return (
        f"[bold green]Completed[/]: {got}; the quick check did not count every file's records,"
        " so they could not be reconciled"
    )


def _completed(outcome: pp.ImportOutcome) -> str:
    """The line for a Completed import: the records reconciled, or what is off."""
    expected, missing = outcome.records_expected, outcome.records_missing
    rejected = outcome.records_rejected  # None unless Pinecone reports a validation result
    if expected is None:
        return _uncounted(outcome)
    if missing is None or outcome.state is None:
        return (
            f"[bold green]Completed[/]; Pinecone reported no record count, so the"
            f" {expected:,} checked records could not be reconciled"
        )
    imported = expected - missing
    seen = _validated(outcome.state, expected)
    if missing == 0:
        verdict = "[bold green]Completed[/]" if not seen else "[bold red]Completed, but[/]"
        return f"{verdict}: {expected:,} of {expected:,} records imported{seen}"
    why = (
        "skipped by continue mode without saying which"
        if outcome.error_mode == "continue"
        else "not imported"
    )
    if rejected is not None:
        why += f" (Pinecone's validation rejected {rejected:,})"
    return (
        f"[bold red]Completed, records missing[/]: {imported:,} of {expected:,} imported;"
        f" {missing:,} {why}{seen}"
    )


def _validated(state: pp.ImportState, expected: int) -> str:
    """Empty unless Pinecone's validation saw another number of records than the check."""
    validation = state.validation
    if validation is None:
        return ""
    seen = validation.successes + validation.errors
    if seen == expected:
        return ""
    return (
        f"; Pinecone's validation saw {seen:,} records ({validation.successes:,} valid,"
        f" {validation.errors:,} rejected) where the check counted {expected:,}: did the files"
        " change after the check?"
    )


def print_imports(states: Sequence[pp.ImportState]) -> None:
    """One line per import, then its times and Pinecone's error (lines, not a table: URIs and
    error texts are long)."""
    colors = {"Completed": "green", "Failed": "red", "Cancelled": "yellow"}
    for s in states:
        percent = "-" if s.percent_complete is None else f"{s.percent_complete:.1f}%"
        records = "-" if s.records_imported is None else f"{s.records_imported:,}"
        status = f"[{colors.get(s.status, 'blue')}]{s.status}[/]"
        out.print(f"import {escape(s.id)}: {status} {percent}, {records} records, {escape(s.uri)}")
        out.print(f"  created {s.created_at or '-'}, finished {s.finished_at or '-'}")
        if s.validation is not None:
            out.print(
                f"  validation: {s.validation.successes:,} valid, {s.validation.errors:,} rejected"
            )
        if s.error:
            out.print(f"  error: {escape(s.error)}")
    if not states:
        out.print("no imports")


def print_rules() -> None:
    table = Table(title="pinecone-prep rules")
    for name in ("code", "severity", "meaning"):
        table.add_column(name)
    for code, rule in pp.CODES.items():
        table.add_row(code, rule.severity, escape(rule.meaning))
    out.print(table)


def print_written(result: pp.WriteResult) -> None:
    """What a conversion wrote, and what it rejected."""
    table = Table(title=f"Written to {escape(result.root)}", title_justify="left")
    for name in ("file", "namespace", "records", "bytes"):
        table.add_column(
            name, justify="right" if name in ("records", "bytes") else "left", overflow="fold"
        )
    for f in result.files:
        table.add_row(escape(f.uri), escape(f.namespace), f"{f.records:,}", bytes_text(f.bytes))
    out.print(table)
    by_code: dict[str, int] = {}
    for row in result.rejected:
        for code in row.codes:
            by_code[code] = by_code.get(code, 0) + 1
    for code, count in sorted(by_code.items()):
        out.print(f"[yellow]{code}[/] x{count:,} rejected: {escape(pp.CODES[code].meaning)}")
    if result.quarantine:
        out.print(f"rejected rows written to {escape(result.quarantine)}")
    if result.ignored_columns:
        names = escape(", ".join(result.ignored_columns))
        out.print(f"columns not written: {names} (name them with --metadata-columns to keep them)")
    out.print(
        f"[bold green]{result.records:,} records[/] in {len(result.files):,} file(s),"
        f" {len(result.rejected):,} row(s) rejected"
    )
    if not result.records:
        why = "no row passed the rules" if result.rejected else "the input has no rows"
        err.print(f"[red]nothing written:[/] {why}")


def print_started(outcome: pp.ImportOutcome) -> None:
    how = "footers and first rows" if outcome.quick else "every row"
    out.print(
        f"\nimport {outcome.id} started: {escape(outcome.uri)} into index"
        f" {escape(outcome.index)}, error mode {outcome.error_mode} (checked {how})"
    )
    for other in outcome.duplicates:
        # The SDK retries a failed start, so one start can leave two imports of one URI.
        command = f"pinecone-prep imports cancel {other.id} --index {outcome.index}"
        err.print(
            f"[yellow]warning:[/] another import of this URI is running: {escape(other.id)},"
            f" created {escape(other.created_at or '-')}; if it duplicates this one, cancel"
            f" it: {escape(command)}"
        )


def say(kind: str, message: str) -> None:
    """One line on stderr: `kind` in red ("usage error", "invalid", ...), then the message."""
    err.print(f"[red]{kind}:[/] {escape(message)}")


def note(message: str) -> None:
    """A plain line on stderr (markup in `message` is not interpreted)."""
    err.print(escape(message))


def ask(question: str) -> str:
    return str(err.input(question))

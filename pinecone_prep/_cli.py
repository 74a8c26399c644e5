"""The `pinecone-prep` command line. It uses only the public API of the package.

Exit codes: 0 no errors (warnings allowed), 1 data errors, 2 usage error, 3 storage or API
error, 4 internal error (a bug: please report it), 130 interrupted. `import` also exits 1 when
the import ends Failed or Cancelled, or Completed without every checked record.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import orjson
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

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_STORAGE, EXIT_BUG = 0, 1, 2, 3, 4

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


# --- shared argument helpers --------------------------------------------------------------------


def _storage_options(pairs: Sequence[str]) -> dict[str, Any]:
    """KEY=VALUE pairs; dotted keys nest (client_kwargs.region_name=x); values may be JSON."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise pp.UsageError(f"--storage-option expects KEY=VALUE, got {pair!r}")
        try:
            value: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = raw
        *parents, leaf = key.split(".")
        node = options
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return options


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {value}")
    return value


def _count(text: str) -> int:
    return _whole(text, 0)


def _positive_int(text: str) -> int:
    return _whole(text, 1)


def _add_storage(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--storage-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="fsspec storage option (repeatable; dotted keys nest, values may be JSON)",
    )


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")


@contextmanager
def _progress(
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


def _bytes(n: int) -> str:
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


# --- check ----------------------------------------------------------------------------------------


def _print_findings(report: pp.Report, limit: int | None, more: str) -> None:
    """The findings grouped by code with exact counts, at most `limit` locations per code."""
    by_code: dict[str, list[pp.Finding]] = {}
    for item in report.findings:
        by_code.setdefault(item.code, []).append(item)
    colors = {"error": "red", "warning": "yellow", "info": "blue"}
    for code, count in report.summary["by_code"].items():
        examples = by_code.get(code, [])[:limit]
        severity, meaning = pp.CODES[code]
        if examples:
            severity = examples[0].severity
        out.print(f"\n[bold {colors[severity]}]{code}[/] {severity} x{count:,}: {escape(meaning)}")
        for item in examples:
            out.print(f"  {escape(str(item.location))}: {escape(item.message)}")
        if len(examples) < count:
            out.print(f"  ... {count - len(examples):,} more ({more})")


def _print_report(report: pp.Report) -> None:
    summary = report.summary
    table = Table(title=f"Import prefix {escape(summary['uri'])}", title_justify="left")
    for name in ("namespace", "kind", "dimension", "files", "records", "bytes"):
        table.add_column(name, justify="right" if name in ("files", "records", "bytes") else "left")
    for ns in summary["by_namespace"]:
        kind = f"{ns['kind']} ({ns['kind_source']})" if ns["kind"] else "-"
        table.add_row(
            escape(ns["name"]),
            kind,
            str(ns["dimension"] or "-"),
            f"{ns['files']:,}",
            f"{ns['records']:,}",
            _bytes(ns["bytes"]),
        )
    table.add_section()
    table.add_row(
        "total",
        "",
        "",
        f"{summary['files']:,}",
        f"{summary['records']:,}",
        _bytes(summary["bytes"]),
    )
    out.print(table)
    files = summary["by_file"]
    if 0 < len(files) <= 50:
        ftable = Table(title="Files", title_justify="left")
        for name in ("file", "row groups", "records", "bytes"):
            # Fold long URIs rather than cut them: logs are read when stdout is no terminal.
            ftable.add_column(name, justify="left" if name == "file" else "right", overflow="fold")
        for f in files:
            rgs = str(f["row_groups"]) if f["readable"] else "unreadable"
            ftable.add_row(escape(f["uri"]), rgs, f"{f['records']:,}", _bytes(f["bytes"]))
        out.print(ftable)
    elif files:
        out.print(f"{len(files):,} files (per-file detail: --format json)")

    _print_findings(report, None, "raise --max-examples to see them")
    sev = summary["by_severity"]
    verdict = "[bold green]VALID[/]" if report.valid else "[bold red]INVALID[/]"
    out.print(
        f"\n{verdict}: {sev['error']:,} error(s), {sev['warning']:,} warning(s),"
        f" {sev['info']:,} info in {summary['records']:,} records"
    )


def cmd_check(args: argparse.Namespace) -> int:
    with _progress(args.format == "text", "checking") as progress:
        report = pp.check(
            args.uri,
            kind=args.kind,
            dimension=args.dimension,
            metric=args.metric,
            limits=args.limits,
            extra_columns=args.extra_columns,
            storage_options=_storage_options(args.storage_option),
            max_examples=args.max_examples,
            progress=progress,
            processes=None,  # worker processes for heavy metadata: this entry point is guarded
            **_target_index(args),  # --- import ---
        )
    if args.format == "json":
        sys.stdout.write(report.to_json() + "\n")
    else:
        _print_report(report)
    return EXIT_OK if report.valid else EXIT_DATA


def cmd_rules(args: argparse.Namespace) -> int:
    if args.format == "json":
        rows = [{"code": c, "severity": s, "meaning": m} for c, (s, m) in pp.CODES.items()]
        sys.stdout.write(orjson.dumps(rows).decode() + "\n")
        return EXIT_OK
    table = Table(title="pinecone-prep rules")
    for name in ("code", "severity", "meaning"):
        table.add_column(name)
    for code, (severity, meaning) in pp.CODES.items():
        table.add_row(code, severity, escape(meaning))
    out.print(table)
    return EXIT_OK


# --- plan -----------------------------------------------------------------------------------------


def _print_plan(result: pp.ImportPlan) -> None:
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
            f"{request.records:,}",
            _bytes(request.bytes),
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
    out.print(
        f"\n{verdict}: {len(result.requests)} request(s), {result.records:,} records,"
        f" {_bytes(result.bytes)}"
    )


def cmd_plan(args: argparse.Namespace) -> int:
    options = _storage_options(args.storage_option)
    with _progress(args.format == "text", "reading footers") as progress:
        result = pp.plan(args.uri, limits=args.limits, storage_options=options, progress=progress)
    if args.materialize and result.valid:
        result = pp.materialize(result, args.materialize, storage_options=options)
    if args.format == "json":
        sys.stdout.write(result.to_json() + "\n")
    else:
        _print_plan(result)
    return EXIT_OK if result.valid else EXIT_DATA


# --- import ---------------------------------------------------------------------------------------

EXIT_INTERRUPTED = 130


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def _add_rule_options(parser: argparse.ArgumentParser) -> None:
    """How the check judges the data: shared by `check` and `import`."""
    parser.add_argument("--limits", default="2024", help="limits profile: 2024 (default) or 2026")
    parser.add_argument("--extra-columns", choices=("error", "warn"), default="error")
    parser.add_argument(
        "--max-examples", type=_count, default=20, help="examples per code and file (20)"
    )


def _add_pinecone(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment variable that holds the API key (default PINECONE_API_KEY); a key is"
        " never a command-line argument, where other users and shell history would see it",
    )
    parser.add_argument(
        "--pinecone-host",
        metavar="URL",
        help="Pinecone control-plane URL (default: the SDK's, or PINECONE_CONTROLLER_HOST)",
    )


def _access(args: argparse.Namespace) -> dict[str, Any]:
    """The api_key/host keywords of the Pinecone functions."""
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise pp.UsageError(f"environment variable {args.api_key_env} is not set")
    return {"api_key": api_key, "host": args.pinecone_host}


def _target_index(args: argparse.Namespace) -> dict[str, Any]:
    """check's `index` keyword: the live index (--index), one described by hand (--cloud)."""
    if args.index:
        return {"index": pp.describe_index(args.index, **_access(args))}
    if args.cloud:
        if args.kind is None:
            raise pp.UsageError("--cloud describes the target index: give its --kind too")
        # Hybrid records go into a dense index.
        kind: Literal["dense", "sparse"] = "sparse" if args.kind == "sparse" else "dense"
        index = pp.IndexDescription(
            kind=kind, dimension=args.dimension, metric=args.metric, cloud=args.cloud
        )
        return {"index": index}
    return {}


def _write_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data).decode() + "\n")


def _follow(bar: Callable[[int, int], None] | None) -> Callable[[pp.ImportState], None]:
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


def _follow_hint(outcome: pp.ImportOutcome) -> str:
    command = f"pinecone-prep imports describe {outcome.id} --index {outcome.index}"
    return f"follow it with: {escape(command)}"


def _print_outcome(outcome: pp.ImportOutcome) -> None:
    state, expected = outcome.state, outcome.records_expected
    if state is None:
        out.print(f"import {outcome.id} is running; {_follow_hint(outcome)}")
    elif not state.done:
        out.print(
            f"[bold yellow]still {state.status}[/] ({state.percent_complete or 0:.0f}%) at the"
            f" --timeout; the import keeps running on Pinecone; {_follow_hint(outcome)}"
        )
    elif state.status == "Failed":
        out.print(f"[bold red]Failed[/]: {escape(state.error or 'Pinecone gave no reason')}")
    elif state.status == "Cancelled":
        imported = state.records_imported or 0
        out.print(f"[bold yellow]Cancelled[/] after {imported:,} of {expected:,} records")
    elif outcome.records_missing is None:
        out.print(
            f"[bold green]Completed[/]; Pinecone reported no record count, so the"
            f" {expected:,} checked records could not be reconciled"
        )
    elif outcome.records_missing == 0:
        out.print(f"[bold green]Completed[/]: {expected:,} of {expected:,} records imported")
    else:
        imported = expected - outcome.records_missing
        why = (
            "skipped by continue mode without saying which"
            if outcome.error_mode == "continue"
            else "not imported"
        )
        out.print(
            f"[bold red]Completed, records missing[/]: {imported:,} of {expected:,} imported;"
            f" {outcome.records_missing:,} {why}"
        )


def _interrupted(outcome: pp.ImportOutcome, access: dict[str, Any]) -> int:
    """Ctrl-C while following an import: ask (on a terminal) whether to cancel it."""
    if sys.stdin.isatty():
        try:
            answer = err.input(f"\nCancel import {outcome.id} on Pinecone? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() in ("y", "yes"):
            state = pp.cancel_import(outcome.id, index=outcome.index, **access)
            err.print(f"import {outcome.id}: {state.status}")
            return EXIT_INTERRUPTED
    err.print(f"import {outcome.id} keeps running on Pinecone; {_follow_hint(outcome)}")
    return EXIT_INTERRUPTED


def cmd_import(args: argparse.Namespace) -> int:
    access = _access(args)
    text = args.format == "text"
    try:
        with _progress(text, "checking") as checked:
            outcome = pp.start_import(
                args.uri,
                index=args.index,
                error_mode=args.error_mode,
                integration_id=args.integration_id,
                wait=False,  # the id is known before waiting, so Ctrl-C can offer to cancel
                force=args.force,
                quick=args.quick,
                check_progress=checked,
                storage_options=_storage_options(args.storage_option),
                limits=args.limits,
                extra_columns=args.extra_columns,
                max_examples=args.max_examples,
                processes=None,
                **access,
            )
    except pp.ValidationError as exc:
        if text:
            _print_report(exc.report)
            err.print("[red]refused:[/] no import was started (fix the errors, or --force)")
        else:
            _write_json({"report": exc.report.to_dict(), "import": None})
        return EXIT_DATA
    if text:
        _print_report(outcome.report)
        how = "footers only" if outcome.quick else "every row"
        out.print(
            f"\nimport {outcome.id} started: {escape(outcome.uri)} into index"
            f" {escape(outcome.index)}, error mode {outcome.error_mode} (checked {how})"
        )
    if not args.no_wait:
        try:
            with _progress(text, "importing", percent=True) as bar:
                outcome.wait(
                    progress=_follow(bar) if text else None,
                    poll_seconds=args.poll_seconds,
                    timeout=args.timeout,
                )
        except KeyboardInterrupt:
            return _interrupted(outcome, access)
    if text:
        _print_outcome(outcome)
    else:
        _write_json(outcome.to_dict())
    return EXIT_OK if args.no_wait or outcome.ok else EXIT_DATA


def _print_imports(states: Sequence[pp.ImportState]) -> None:
    """One line per import, then its times and Pinecone's error (lines, not a table: URIs and
    error texts are long)."""
    colors = {"Completed": "green", "Failed": "red", "Cancelled": "yellow"}
    for s in states:
        percent = "-" if s.percent_complete is None else f"{s.percent_complete:.1f}%"
        records = "-" if s.records_imported is None else f"{s.records_imported:,}"
        status = f"[{colors.get(s.status, 'blue')}]{s.status}[/]"
        out.print(f"import {escape(s.id)}: {status} {percent}, {records} records, {escape(s.uri)}")
        out.print(f"  created {s.created_at or '-'}, finished {s.finished_at or '-'}")
        if s.error:
            out.print(f"  error: {escape(s.error)}")
    if not states:
        out.print("no imports")


def cmd_imports(args: argparse.Namespace) -> int:
    access = _access(args)
    if args.action == "list":
        states = pp.list_imports(args.index, **access)
    elif args.action == "describe":
        states = [pp.describe_import(args.id, index=args.index, **access)]
    else:
        states = [pp.cancel_import(args.id, index=args.index, **access)]
    if args.format == "json":
        data = [s.to_dict() for s in states]
        _write_json(data if args.action == "list" else data[0])
    else:
        _print_imports(states)
    return EXIT_OK


def _add_import_commands(commands: Any) -> None:
    imp = commands.add_parser(
        "import", help="check a prefix against a live index, then start and follow its import"
    )
    imp.add_argument("uri", help="import prefix: s3://, gs:// or https://ACCOUNT.blob...")
    imp.add_argument("--index", required=True, metavar="NAME", help="the target index")
    imp.add_argument(
        "--error-mode",
        choices=("abort", "continue"),
        default="abort",
        help="abort (default): a bad record fails the import; continue: skip it, unnamed",
    )
    imp.add_argument("--integration-id", metavar="ID", help="storage integration (private buckets)")
    imp.add_argument("--no-wait", action="store_true", help="start, print the import id, exit")
    imp.add_argument("--force", action="store_true", help="start even when the check has errors")
    imp.add_argument(
        "--quick",
        action="store_true",
        help="check footers only (layout, schema, limits, index), not every row",
    )
    imp.add_argument(
        "--poll-seconds", type=_positive_float, default=5.0, help="between status polls (5)"
    )
    imp.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        help="stop following after this long (exit 1; the import keeps running)",
    )
    _add_rule_options(imp)
    _add_pinecone(imp)
    _add_storage(imp)
    _add_format(imp)
    imp.set_defaults(run=cmd_import)

    imports = commands.add_parser("imports", help="list, describe or cancel an index's imports")
    actions = imports.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (
        ("list", "recent and ongoing imports"),
        ("describe", "one import's status, progress and error"),
        ("cancel", "cancel a running import"),
    ):
        sub = actions.add_parser(action, help=text)
        if action != "list":
            sub.add_argument("id", help="import id")
        sub.add_argument("--index", required=True, metavar="NAME")
        _add_pinecone(sub)
        _add_format(sub)
        sub.set_defaults(run=cmd_imports)


# --- convert --------------------------------------------------------------------------------------


def cmd_convert(args: argparse.Namespace) -> int:
    """Write the input files as import files under --to (`pp.write`). Exit 1 when rows were
    rejected with --on-invalid error (nothing is published then)."""
    metadata_columns = (
        [name.strip() for name in args.metadata_columns.split(",") if name.strip()]
        if args.metadata_columns is not None
        else None
    )
    sizes = {  # the API's defaults unless given
        name: getattr(args, name)
        for name in ("target_file_bytes", "row_group_bytes")
        if getattr(args, name) is not None
    }
    with _progress(args.format == "text", "converting") as progress:
        try:
            result = pp.write(
                args.inputs,
                args.to,
                namespace=args.namespace,
                namespace_column=args.namespace_column,
                id_column=args.id_column,
                # An empty name leaves the column out (say --metadata-column "").
                values_column=args.values_column or None,
                sparse_values_column=args.sparse_values_column or None,
                metadata_column=args.metadata_column or None,
                metadata_columns=metadata_columns,
                kind=args.kind,
                dimension=args.dimension,
                on_invalid=args.on_invalid,
                quarantine_uri=args.quarantine_to,
                overwrite=args.overwrite,
                storage_options=_storage_options(args.storage_option),
                progress=progress,
                **sizes,
            )
        except pp.ValidationError as exc:
            if args.format == "json":
                sys.stdout.write(exc.report.to_json() + "\n")
            else:
                _print_findings(exc.report, 20, "--format json lists them all")
            err.print(f"[red]invalid:[/] {escape(str(exc))}")
            return EXIT_DATA
    # Nothing to import (every row rejected, or no rows) is a failed conversion.
    status = EXIT_OK if result.records else EXIT_DATA
    if args.format == "json":
        sys.stdout.write(orjson.dumps(result.to_dict()).decode() + "\n")
        return status
    table = Table(title=f"Written to {escape(result.root)}", title_justify="left")
    for name in ("file", "namespace", "records", "bytes"):
        table.add_column(
            name, justify="right" if name in ("records", "bytes") else "left", overflow="fold"
        )
    for f in result.files:
        table.add_row(escape(f.uri), escape(f.namespace), f"{f.records:,}", _bytes(f.bytes))
    out.print(table)
    by_code: dict[str, int] = {}
    for row in result.rejected:
        for code in row.codes:
            by_code[code] = by_code.get(code, 0) + 1
    for code, count in sorted(by_code.items()):
        out.print(f"[yellow]{code}[/] x{count:,} rejected: {escape(pp.CODES[code][1])}")
    if result.quarantine:
        out.print(f"rejected rows written to {escape(result.quarantine)}")
    out.print(
        f"[bold green]{result.records:,} records[/] in {len(result.files):,} file(s),"
        f" {len(result.rejected):,} row(s) rejected"
    )
    if not result.records:
        err.print("[red]nothing written:[/] no row passed the rules")
    return status


# --- the parser and main ------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinecone-prep",
        description="Check, plan and write Parquet files for Pinecone bulk imports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {pp.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check", help="check every row of every file under an import prefix"
    )
    check.add_argument("uri", help="import prefix: local path, s3://, gs://, az:// or https://")
    check.add_argument("--kind", choices=("dense", "sparse", "hybrid"))
    check.add_argument("--dimension", type=_positive_int)
    check.add_argument("--metric", choices=("cosine", "euclidean", "dotproduct"))
    _add_rule_options(check)
    # --- import ---: the target index, read live or described by hand
    target = check.add_mutually_exclusive_group()
    target.add_argument(
        "--index", metavar="NAME", help="check against this live index (needs an API key)"
    )
    target.add_argument(
        "--cloud",
        choices=("aws", "gcp", "azure"),
        help="offline: the target index's cloud; the index is --kind (required), --dimension"
        " and --metric",
    )
    _add_pinecone(check)
    # --- end import ---
    _add_storage(check)
    _add_format(check)
    check.set_defaults(run=cmd_check)

    plan = commands.add_parser(
        "plan", help="count records from footers and split the prefix into import requests"
    )
    plan.add_argument("uri", help="import prefix")
    plan.add_argument("--limits", default="2024", help="limits profile: 2024 (default) or 2026")
    plan.add_argument(
        "--materialize",
        metavar="DEST",
        help="copy each request's namespaces to DEST/request-NNN/ (server-side where possible)",
    )
    _add_storage(plan)
    _add_format(plan)
    plan.set_defaults(run=cmd_plan)

    # --- convert ---
    convert = commands.add_parser(
        "convert", help="write Parquet, JSON Lines or CSV files as Pinecone import files"
    )
    convert.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="input files or prefixes (local or fsspec URLs)"
    )
    convert.add_argument("--to", required=True, metavar="ROOT", help="the import prefix to write")
    where = convert.add_mutually_exclusive_group()
    where.add_argument("--namespace", help="the namespace of every record (__default__)")
    where.add_argument("--namespace-column", metavar="COLUMN", help="each record's namespace")
    convert.add_argument("--id-column", default="id", metavar="COLUMN")
    for name in ("values", "sparse-values", "metadata"):
        convert.add_argument(
            f"--{name}-column",
            default=name.replace("-", "_"),
            metavar="COLUMN",
            help='"" leaves it out',
        )
    convert.add_argument(
        "--metadata-columns", metavar="A,B,C", help="build metadata from these columns"
    )
    convert.add_argument("--kind", choices=("dense", "sparse", "hybrid"))
    convert.add_argument("--dimension", type=_positive_int)
    convert.add_argument(
        "--on-invalid",
        choices=("error", "skip", "quarantine"),
        default="error",
        help="rows that break a rule: fail (nothing is written), leave out, or leave out and"
        " write to ROOT.quarantine/ (or --quarantine-to)",
    )
    convert.add_argument("--quarantine-to", metavar="URI", help="prefix for the rejected rows")
    convert.add_argument("--target-file-bytes", type=_positive_int, help="(128 MiB)")
    convert.add_argument("--row-group-bytes", type=_positive_int, help="(64 MiB)")
    convert.add_argument(
        "--overwrite", action="store_true", help="replace namespace folders that are not empty"
    )
    _add_storage(convert)
    _add_format(convert)
    convert.set_defaults(run=cmd_convert)

    _add_import_commands(commands)  # --- import ---

    rules = commands.add_parser("rules", help="list every rule code")
    _add_format(rules)
    rules.set_defaults(run=cmd_rules)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except pp.UsageError as exc:
        err.print(f"[red]usage error:[/] {escape(str(exc))}")
        return EXIT_USAGE
    except (pp.StorageError, pp.PineconeError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_STORAGE
    except pp.ValidationError as exc:
        err.print(f"[red]invalid:[/] {escape(str(exc))}")
        return EXIT_DATA
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # a bug: one clear line instead of a traceback
        err.print(
            f"[red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}"
            " (please report this with the command you ran)"
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())

"""The `pinecone-prep` command line. It uses only the public API of the package.

Exit codes: 0 no errors (warnings allowed), 1 data errors, 2 usage error, 3 storage or API
error, 4 internal error (a bug: please report it), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
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
def _progress(enabled: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar over bytes on stderr, only when stderr is a terminal."""
    if not (enabled and err.is_terminal):
        yield None
        return
    columns = (
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
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
            ftable.add_column(name, justify="left" if name == "file" else "right")
        for f in files:
            rgs = str(f["row_groups"]) if f["readable"] else "unreadable"
            ftable.add_row(escape(f["uri"]), rgs, f"{f['records']:,}", _bytes(f["bytes"]))
        out.print(ftable)
    elif files:
        out.print(f"{len(files):,} files (per-file detail: --format json)")

    by_code: dict[str, list[pp.Finding]] = {}
    for item in report.findings:
        by_code.setdefault(item.code, []).append(item)
    colors = {"error": "red", "warning": "yellow", "info": "blue"}
    for code, count in summary["by_code"].items():
        examples = by_code.get(code, [])
        severity, meaning = pp.CODES[code]
        if examples:
            severity = examples[0].severity
        out.print(f"\n[bold {colors[severity]}]{code}[/] {severity} x{count:,}: {escape(meaning)}")
        for item in examples:
            out.print(f"  {escape(str(item.location))}: {escape(item.message)}")
        if len(examples) < count:
            out.print(f"  ... {count - len(examples):,} more (raise --max-examples to see them)")
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
    check.add_argument("--limits", default="2024", help="limits profile: 2024 (default) or 2026")
    check.add_argument("--extra-columns", choices=("error", "warn"), default="error")
    check.add_argument(
        "--max-examples", type=_count, default=20, help="examples per code and file (20)"
    )
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

"""The command line's arguments: `build_parser()` and the argument types."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

import orjson

import pinecone_prep as pp


def storage_options(pairs: Sequence[str]) -> dict[str, Any]:
    """KEY=VALUE pairs; dotted keys nest (client_kwargs.region_name=x); values may be JSON.
    Messages name the option's position and key, never its value (it may be a secret)."""
    options: dict[str, Any] = {}
    nested: set[tuple[str, ...]] = set()  # paths made by dotted keys: a value may not replace one
    for number, pair in enumerate(pairs, 1):
        key, sep, raw = pair.partition("=")
        path = tuple(key.split("."))
        where = f"--storage-option #{number}"
        if not sep or not all(path):
            raise pp.UsageError(f"{where} expects KEY=VALUE (the value is not shown)")
        try:
            value: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = raw
        node = options
        for depth, parent in enumerate(path[:-1], 1):
            child = node.setdefault(parent, {})
            if not isinstance(child, dict):
                above = ".".join(path[:depth])
                raise pp.UsageError(f"{where} ({key}) nests under {above}, which has a value")
            nested.add(path[:depth])
            node = child
        if path in nested:
            raise pp.UsageError(f"{where} ({key}) would replace the options nested under it")
        node[path[-1]] = value
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


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


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


def _add_rule_options(parser: argparse.ArgumentParser) -> None:
    """How the check judges the data: shared by `check` and `import`."""
    parser.add_argument(
        "--limits",
        help="limits profile: 2024 (default for Parquet), 2026, documents (default for JSON Lines)",
    )
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
        help="check footers only (layout, schema, limits, index), not every row; JSON Lines:"
        " the first lines of each file",
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
    imp.set_defaults(run="import")

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
        sub.set_defaults(run="imports")


class ArgvError(Exception):
    """The command line cannot be parsed: argparse's own message and the usage line."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class Parser(argparse.ArgumentParser):
    """argparse, raising instead of exiting, so that `main` reports the error in the format
    asked for (`--format json` prints JSON even for a bad command line)."""

    def error(self, message: str) -> NoReturn:
        raise ArgvError(f"{self.prog}: error: {message}", self.format_usage())


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pinecone-prep",
        description="Check, plan and write Parquet files for Pinecone bulk imports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {pp.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_check(commands)
    _add_plan(commands)
    _add_convert(commands)
    _add_import_commands(commands)
    rules = commands.add_parser("rules", help="list every rule code")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.set_defaults(run="rules")
    return parser


def _add_check(commands: Any) -> None:
    check = commands.add_parser(
        "check", help="check every row of every file under an import prefix"
    )
    check.add_argument("uri", help="import prefix: local path, s3://, gs://, az:// or https://")
    check.add_argument("--kind", choices=("dense", "sparse", "hybrid"))
    check.add_argument("--dimension", type=_positive_int)
    check.add_argument("--metric", choices=("cosine", "euclidean", "dotproduct"))
    check.add_argument(
        "--schema",
        metavar="FILE",
        help="a document index's schema (JSON, as describe_index gives it): check the prefix"
        " as that index's JSON Lines import",
    )
    check.add_argument(
        "--quick",
        action="store_true",
        help="read the footers and the first rows of every file only (no duplicates)",
    )
    _add_rule_options(check)
    # The target index, read live or described by hand.
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
    _add_storage(check)
    _add_format(check)
    check.set_defaults(run="check")


def _add_plan(commands: Any) -> None:
    plan = commands.add_parser(
        "plan",
        help="count records from footers (JSON Lines: files and bytes only) and split the prefix"
        " into import requests",
    )
    plan.add_argument("uri", help="import prefix")
    plan.add_argument(
        "--limits",
        help="limits profile: 2024 (default for Parquet), 2026, documents (default for JSON Lines)",
    )
    plan.add_argument(
        "--materialize",
        metavar="DEST",
        help="copy each request's namespaces to DEST/request-NNN/ (server-side where possible)",
    )
    _add_storage(plan)
    _add_format(plan)
    plan.set_defaults(run="plan")


def _add_convert(commands: Any) -> None:
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
    # Not --format: every command's --format already says how the report is printed.
    convert.add_argument(
        "--file-format",
        choices=("parquet", "jsonl"),
        help="parquet (a vector index, default) or jsonl (a document index: needs --schema);"
        " with --index, the index's own",
    )
    convert.add_argument(
        "--schema",
        metavar="FILE",
        help="the document index's schema (JSON) for --file-format jsonl",
    )
    convert.add_argument(
        "--index",
        metavar="NAME",
        help="write for this live index (needs an API key): JSON Lines of its schema for a"
        " document index, Parquet of its dimension for a legacy vector index",
    )
    convert.add_argument("--gzip", action="store_true", help="write .jsonl.gz files")
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
    _add_pinecone(convert)
    _add_storage(convert)
    _add_format(convert)
    convert.set_defaults(run="convert")

"""One function per command: arguments in, the public API called, an exit code out."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any, Literal

import pinecone_prep as pp

from . import EXIT_DATA, EXIT_INTERRUPTED, EXIT_OK
from .output import emit, emit_json
from .parser import storage_options
from .render import (
    ask,
    follow,
    follow_hint,
    note,
    print_findings,
    print_imports,
    print_outcome,
    print_plan,
    print_report,
    print_started,
    print_written,
    progress_bar,
    say,
)


def cmd_check(args: argparse.Namespace) -> int:
    with progress_bar(args.format == "text", "checking") as progress:
        report = pp.check(
            args.uri,
            kind=args.kind,
            dimension=args.dimension,
            metric=args.metric,
            limits=args.limits,
            extra_columns=args.extra_columns,
            storage_options=storage_options(args.storage_option),
            max_examples=args.max_examples,
            quick=args.quick,
            schema=args.schema,
            progress=progress,
            processes=None,  # worker processes for heavy metadata: this entry point is guarded
            **_target_index(args),  # --- import ---
        )
    if args.format == "json":
        emit(report.to_json() + "\n")
    else:
        print_report(report)
    return EXIT_OK if report.valid else EXIT_DATA


def cmd_plan(args: argparse.Namespace) -> int:
    options = storage_options(args.storage_option)
    with progress_bar(args.format == "text", "reading footers") as progress:
        result = pp.plan(args.uri, limits=args.limits, storage_options=options, progress=progress)
    if args.materialize and result.valid:
        result = pp.materialize(result, args.materialize, storage_options=options)
    if args.format == "json":
        emit(result.to_json() + "\n")
    else:
        print_plan(result)
    return EXIT_OK if result.valid else EXIT_DATA


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
    emit_json(data)


def _interrupted(outcome: pp.ImportOutcome, access: dict[str, Any]) -> int:
    """Ctrl-C while following an import: ask (on a terminal) whether to cancel it."""
    if sys.stdin.isatty():
        try:
            answer = ask(f"\nCancel import {outcome.id} on Pinecone? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() in ("y", "yes"):
            state = pp.cancel_import(outcome.id, index=outcome.index, **access)
            note(f"import {outcome.id}: {state.status}")
            return EXIT_INTERRUPTED
    note(f"import {outcome.id} keeps running on Pinecone; {follow_hint(outcome)}")
    return EXIT_INTERRUPTED


def cmd_import(args: argparse.Namespace, *, sleep: Callable[[float], None] = time.sleep) -> int:
    """`sleep` waits between polls of the import (a test stands in for the clock with it)."""
    access = _access(args)
    text = args.format == "text"
    try:
        with progress_bar(text, "checking") as checked:
            outcome = pp.start_import(
                args.uri,
                index=args.index,
                error_mode=args.error_mode,
                integration_id=args.integration_id,
                wait=False,  # the id is known before waiting, so Ctrl-C can offer to cancel
                force=args.force,
                quick=args.quick,
                check_progress=checked,
                storage_options=storage_options(args.storage_option),
                limits=args.limits,
                extra_columns=args.extra_columns,
                max_examples=args.max_examples,
                processes=None,
                **access,
            )
    except pp.ValidationError as exc:
        if text:
            print_report(exc.report)
            say("refused", "no import was started (fix the errors, or --force)")
        else:
            _write_json({"report": exc.report.to_dict(), "import": None})
        return EXIT_DATA
    if text:
        print_report(outcome.report)
        print_started(outcome)
    if not args.no_wait:
        try:
            with progress_bar(text, "importing", percent=True) as bar:
                outcome.wait(
                    progress=follow(bar) if text else None,
                    poll_seconds=args.poll_seconds,
                    timeout=args.timeout,
                    sleep=sleep,
                )
        except KeyboardInterrupt:
            return _interrupted(outcome, access)
    if text:
        print_outcome(outcome)
    else:
        _write_json(outcome.to_dict())
    return EXIT_OK if args.no_wait or outcome.ok else EXIT_DATA


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
        print_imports(states)
    return EXIT_OK


def _written_for(args: argparse.Namespace) -> dict[str, Any]:
    """write's format, schema and dimension: as given, or those of the live index (--index),
    which an explicit --file-format, --schema or --dimension may not contradict."""
    given = {"format": args.file_format, "schema": args.schema, "dimension": args.dimension}
    if not args.index:
        return {**given, "format": args.file_format or "parquet"}
    index = pp.describe_index(args.index, **_access(args))
    name = f"index {args.index!r}"
    if index.integrated:
        raise pp.UsageError(f"{name} has integrated embedding: Pinecone refuses imports into it")
    if index.family == "document":
        assert index.schema is not None  # a document index is known by its schema
        if args.file_format == "parquet":
            raise pp.UsageError(f"{name} is a document index: it imports JSON Lines, not Parquet")
        if args.schema and not pp.DocumentSchema.load(args.schema).same_fields(index.schema):
            raise pp.UsageError(f"--schema {args.schema} differs from the schema of {name}")
        return {**given, "format": "jsonl", "schema": index.schema}
    if args.file_format == "jsonl" or args.schema:
        raise pp.UsageError(
            f"{name} is a legacy {index.family} index: it imports Parquet, not JSON Lines"
            " (no --file-format jsonl, no --schema)"
        )
    if args.dimension and index.dimension and args.dimension != index.dimension:
        raise pp.UsageError(f"--dimension {args.dimension} contradicts {name} ({index.dimension})")
    return {**given, "format": "parquet", "dimension": args.dimension or index.dimension}


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
    with progress_bar(args.format == "text", "converting") as progress:
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
                on_invalid=args.on_invalid,
                quarantine_uri=args.quarantine_to,
                overwrite=args.overwrite,
                storage_options=storage_options(args.storage_option),
                progress=progress,
                gzip=args.gzip,
                **_written_for(args),
                **sizes,
            )
        except pp.ValidationError as exc:
            if args.format == "json":
                emit(exc.report.to_json() + "\n")
            else:
                print_findings(exc.report, 20, "--format json lists them all")
            say("invalid", str(exc))
            return EXIT_DATA
    # Nothing to import (every row rejected, or no rows) is a failed conversion.
    status = EXIT_OK if result.records else EXIT_DATA
    if args.format == "json":
        emit_json(result.to_dict())
        return status
    print_written(result)
    return status

"""Limit rules M001-M006: one import request's totals against a `Limits` profile. Needs only the
listing and the footers' record counts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from .._limits import GB, TB, Limits
from .._spec import GZ_SIZE_FACTOR, JSONL_GZ
from . import Issue


def counted_size(key: str, size: int) -> int:
    """The size the limits judge: a `.jsonl.gz` file at ten times its stored size (Pinecone
    estimates its uncompressed size so); any other file as it is stored."""
    return size * GZ_SIZE_FACTOR if key.endswith(JSONL_GZ) else size


def _units(n: int) -> str:
    if n >= TB:
        return f"{n / TB:.3g} TB"
    if n >= GB:
        return f"{n / GB:.3g} GB"
    return f"{n:,} bytes"


def limit_issues(
    limits: Limits,
    namespace_bytes: Mapping[str, int],
    namespace_records: Mapping[str, int],
    file_sizes: Sequence[tuple[str, str, int]],
) -> Iterator[Issue]:
    """Every M-rule breach of one import request. `file_sizes` holds (namespace, key, bytes)
    for every importable object of the request, bytes as counted (`counted_size`); an
    issue's key is the file (M004), the namespace folder (M006) or None (the request as a
    whole)."""
    lim = limits
    n_ns = len(namespace_bytes)
    if lim.max_namespaces is not None and n_ns > lim.max_namespaces:
        yield Issue(
            "M001",
            f"{n_ns:,} namespaces; the {lim.name} limit is {lim.max_namespaces:,}"
            " (pinecone-prep plan --materialize DEST splits them into several imports)",
        )
    records = sum(namespace_records.values())
    if lim.max_records is not None and records > lim.max_records:
        yield Issue("M002", f"{records:,} records; the {lim.name} limit is {lim.max_records:,}")
    total = sum(namespace_bytes.values())
    if lim.max_bytes is not None and total > lim.max_bytes:
        yield Issue(
            "M003",
            f"{_units(total)} in import files; the {lim.name} limit is {_units(lim.max_bytes)}"
            " (decimal units)",
        )
    if lim.max_file_bytes is not None:
        for ns, key, size in file_sizes:
            if size > lim.max_file_bytes:
                gz = f"; a {JSONL_GZ} file counts at {GZ_SIZE_FACTOR}x its size"
                yield Issue(
                    "M004",
                    f"file is {_units(size)}; the {lim.name} limit is {_units(lim.max_file_bytes)}"
                    f" (decimal units){gz if key.endswith(JSONL_GZ) else ''}",
                    key,
                    ns,
                )
    if lim.max_files is not None and len(file_sizes) > lim.max_files:
        yield Issue("M005", f"{len(file_sizes):,} files; the {lim.name} limit is {lim.max_files:,}")
    if lim.max_namespace_bytes is not None:
        for ns, size in namespace_bytes.items():
            if size > lim.max_namespace_bytes:
                yield Issue(
                    "M006",
                    f"namespace holds {_units(size)}; the {lim.name} limit is "
                    f"{_units(lim.max_namespace_bytes)} (decimal units)",
                    ns,
                    ns,
                )

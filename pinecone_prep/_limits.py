"""Per-import-request limits as named, versioned profiles, and the pure M-rule check."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ._errors import UsageError

TB = 10**12
GB = 10**9


@dataclass(frozen=True)
class Limits:
    """Limits of one import request; None means no limit. Bytes are decimal (1 TB = 10^12)."""

    name: str = "custom"
    max_namespaces: int | None = None
    max_records: int | None = None
    max_bytes: int | None = None
    max_file_bytes: int | None = None
    max_files: int | None = None
    max_namespace_bytes: int | None = None

    @staticmethod
    def profile(name: str) -> Limits:
        """The named profile: `2024` (default; the seed page's text) or `2026` (current docs)."""
        try:
            return PROFILES[name]
        except KeyError:
            known = ", ".join(PROFILES)
            raise UsageError(f"unknown limits profile {name!r} (known: {known})") from None

    @staticmethod
    def resolve(limits: str | Limits) -> Limits:
        return limits if isinstance(limits, Limits) else Limits.profile(limits)


PROFILES: dict[str, Limits] = {
    "2024": Limits("2024", 100, 100_000_000, TB, 10 * GB, 100_000, None),
    "2026": Limits("2026", 10_000, None, TB, 10 * GB, 100_000, 500 * GB),
}


@dataclass(frozen=True)
class Breach:
    """One limit exceeded: `scope` is None for the whole request, else a namespace or file."""

    code: str
    message: str
    namespace: str | None = None
    file: str | None = None


def _units(n: int) -> str:
    if n >= TB:
        return f"{n / TB:.3g} TB"
    if n >= GB:
        return f"{n / GB:.3g} GB"
    return f"{n:,} bytes"


def breaches(
    limits: Limits,
    namespace_bytes: Mapping[str, int],
    namespace_records: Mapping[str, int],
    file_sizes: Sequence[tuple[str, str, int]],
) -> Iterator[Breach]:
    """Yield every M-rule breach of one import request.

    `file_sizes` holds (namespace, file uri, bytes) for every .parquet object of the request.
    """
    lim = limits
    n_ns = len(namespace_bytes)
    if lim.max_namespaces is not None and n_ns > lim.max_namespaces:
        yield Breach("M001", f"{n_ns:,} namespaces; the {lim.name} limit is {lim.max_namespaces:,}")
    records = sum(namespace_records.values())
    if lim.max_records is not None and records > lim.max_records:
        yield Breach("M002", f"{records:,} records; the {lim.name} limit is {lim.max_records:,}")
    total = sum(namespace_bytes.values())
    if lim.max_bytes is not None and total > lim.max_bytes:
        yield Breach(
            "M003",
            f"{_units(total)} in .parquet objects; the {lim.name} limit is {_units(lim.max_bytes)}"
            " (decimal units)",
        )
    if lim.max_file_bytes is not None:
        for ns, uri, size in file_sizes:
            if size > lim.max_file_bytes:
                yield Breach(
                    "M004",
                    f"file is {_units(size)}; the {lim.name} limit is {_units(lim.max_file_bytes)}"
                    " (decimal units)",
                    namespace=ns,
                    file=uri,
                )
    if lim.max_files is not None and len(file_sizes) > lim.max_files:
        yield Breach(
            "M005", f"{len(file_sizes):,} files; the {lim.name} limit is {lim.max_files:,}"
        )
    if lim.max_namespace_bytes is not None:
        for ns, size in namespace_bytes.items():
            if size > lim.max_namespace_bytes:
                yield Breach(
                    "M006",
                    f"namespace holds {_units(size)}; the {lim.name} limit is "
                    f"{_units(lim.max_namespace_bytes)} (decimal units)",
                    namespace=ns,
                )

"""Per-import-request limits as named, versioned profiles (data only; the M rules are in
`_rules/limits.py`)."""

from __future__ import annotations

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
        """The named profile: `2024` (the default for Parquet; the seed page's text), `2026`
        (current docs) or `documents` (a document index's JSON Lines import, the default for
        it)."""
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
    # A .jsonl.gz file counts at 10x its size against the byte limits (the checker's job).
    "documents": Limits("documents", 10_000, None, TB, 10 * GB, 100_000, None),
}

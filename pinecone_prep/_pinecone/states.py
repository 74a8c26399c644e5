"""Import states as Pinecone reports them (`describe_import` / `list_imports`).

They are read from the API's JSON rather than from the SDK's `ImportModel`, which drops the
2026-07 `validationResult`. The reading is as strict as the SDK's: a field of the wrong type is
a `PineconeError`, never a crash."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from .._errors import PineconeError

TERMINAL_STATUSES = ("Completed", "Failed", "Cancelled")


@dataclass(frozen=True, kw_only=True)
class ImportValidation:
    """Pinecone's validation run over the import's data (API 2026-07 `validationResult`,
    present once validation has run): how many records passed and how many it rejected."""

    successes: int
    errors: int


@dataclass(frozen=True, kw_only=True)
class ImportState:
    """One import as Pinecone reports it (`describe_import` / `list_imports`)."""

    id: str
    uri: str
    status: str  # Pending | InProgress | Completed | Failed | Cancelled
    percent_complete: float | None = None
    records_imported: int | None = None  # a Failed or Cancelled import may have some
    error: str | None = None  # Pinecone's reason, for a Failed import
    created_at: str | None = None
    finished_at: str | None = None
    validation: ImportValidation | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_api(cls, data: Any) -> ImportState:
        """Read one import from the API's JSON (camelCase, as on the wire)."""
        if not isinstance(data, Mapping):
            raise PineconeError(f"Pinecone sent an import that is not an object: {data!r:.80}")
        read = _Reader(data)
        return cls(
            id=read.text("id", required=True),
            uri=read.text("uri", required=True),
            status=read.text("status", required=True),
            percent_complete=read.number("percentComplete"),
            records_imported=read.count("recordsImported"),
            error=read.text("error"),
            created_at=read.text("createdAt"),
            finished_at=read.text("finishedAt"),
            validation=read.validation("validationResult"),
        )


class _Reader:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def _get(self, key: str, kinds: tuple[type, ...], what: str, required: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, kinds):
            name = self.data.get("id", "?")
            raise PineconeError(
                f"Pinecone sent import {name!r} with {key}={value!r:.80}, not {what}"
            )
        return value

    def text(self, key: str, *, required: bool = False) -> Any:
        return self._get(key, (str,), "a string", required)

    def number(self, key: str) -> float | None:
        value = self._get(key, (int, float), "a number")
        return None if value is None else float(value)

    def count(self, key: str) -> int | None:
        return self._get(key, (int,), "an integer")  # type: ignore[no-any-return]

    def validation(self, key: str) -> ImportValidation | None:
        value = self._get(key, (Mapping,), "an object")
        if value is None:
            return None
        inner = _Reader(value)
        # proto3 JSON leaves out a count of zero, so a missing count is 0.
        return ImportValidation(
            successes=inner.count("importSuccesses") or 0, errors=inner.count("importErrors") or 0
        )


_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?")


def created_time(state: ImportState) -> datetime | None:
    """When the import was created (UTC when no zone is given), or None when unreadable.
    Pinecone may send nanoseconds, which `datetime.fromisoformat` refuses before 3.11."""
    match = _TIME.fullmatch(state.created_at or "")
    if match is None:
        return None
    fraction = (match[2] or "")[:6].ljust(6, "0")
    zone = "+00:00" if match[3] in (None, "Z") else match[3]
    return datetime.fromisoformat(f"{match[1]}.{fraction}{zone}")


def same_uri(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def related(
    states: Iterable[ImportState],
    uri: str,
    *,
    since: datetime | None = None,
    exclude: str | None = None,
) -> tuple[ImportState, ...]:
    """The imports of `uri` (other than `exclude`) still running, and with `since` those
    created at or after it too (or at a time that cannot be read: better named than missed)."""
    found = []
    for state in states:
        if not same_uri(state.uri, uri) or state.id == exclude:
            continue
        created = created_time(state) if since is not None else None
        recent = since is not None and (created is None or created >= since)
        if not state.done or recent:
            found.append(state)
    return tuple(found)

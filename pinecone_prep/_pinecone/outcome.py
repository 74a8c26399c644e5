"""A started import: the check report it was started on, the states seen while following it,
and what they mean (records reconciled, namespaces left behind by a failure, duplicates)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal
from urllib.parse import quote

from .._errors import PrepError, UsageError
from .._index import IndexDescription
from .._report import Report, Summary
from .client import Client, Credentials
from .states import ImportState

ErrorMode = Literal["abort", "continue"]


DEFAULT_POLL_SECONDS = 5.0


def check_seconds(name: str, seconds: float) -> None:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not seconds > 0:
        raise UsageError(f"{name} must be a positive number, not {seconds!r}")


def read_state(client: Client, data_plane: Any, import_id: str) -> ImportState:
    """`describe_import`, read from the JSON (call inside `client.calling`)."""
    return ImportState.from_api(client.get_json(data_plane, f"/bulk/imports/{quote(import_id)}"))


@dataclass
class ImportOutcome:
    """A started import: the check report it was started on and the last state seen.

    `records_expected` is what the check counted; once the import is Completed,
    `records_missing` is how many of those Pinecone did not import (in continue mode, the
    records it skipped without saying which). `duplicates` are other imports of the same URI
    that were running when this one started (the SDK retries a start that failed, so one start
    may create two imports). After a Failed or Cancelled import, `leftover_namespaces` are the
    namespaces of this import that now exist in the index (None when they could not be
    listed): importing into them again is refused (L007); `advice` says what to do.
    """

    id: str
    index: str
    uri: str
    error_mode: ErrorMode
    report: Report[Summary]
    quick: bool = False  # the check read footers only
    state: ImportState | None = None  # None until the import has been described
    duplicates: tuple[ImportState, ...] = ()
    leftover_namespaces: tuple[str, ...] | None = None  # None: not known (see `advice`)
    _credentials: Credentials = field(default_factory=Credentials, repr=False)
    _host: str = field(default="", repr=False)  # the index's data-plane host

    @property
    def records_expected(self) -> int | None:
        """The records (documents) the check counted; None when it did not count them all (a
        quick check of JSON Lines without a manifest: `Summary.records_counted`)."""
        summary = self.report.summary
        return summary.records if summary.records_counted else None

    @property
    def records_imported(self) -> int | None:
        """Pinecone's count of imported records (its validation's successes when it sends no
        count), or None before it has one."""
        state = self.state
        if state is None:
            return None
        if state.records_imported is None and state.validation is not None:
            return state.validation.successes
        return state.records_imported

    @property
    def records_missing(self) -> int | None:
        """Expected minus imported, for a Completed import that reports its count."""
        imported, expected = self.records_imported, self.records_expected
        if self.state is None or self.state.status != "Completed" or imported is None:
            return None
        return None if expected is None else expected - imported

    @property
    def records_rejected(self) -> int | None:
        """Records Pinecone's validation rejected, when it reports a validation result."""
        state = self.state
        return None if state is None or state.validation is None else state.validation.errors

    @property
    def reconciled(self) -> bool | None:
        """True when every checked record was imported and Pinecone's validation (when it
        reports one) saw as many records as the check counted; None when unknown. Without a
        count from the check, a Completed import whose validation rejected records is False
        (those records are not in the index), else None."""
        missing = self.records_missing
        validation = self.state.validation if self.state else None
        if missing is None:
            rejected = self.records_expected is None and self.records_rejected
            completed = self.state is not None and self.state.status == "Completed"
            return False if completed and rejected else None
        seen = None if validation is None else validation.successes + validation.errors
        return missing == 0 and seen in (None, self.records_expected)

    @property
    def ok(self) -> bool:
        """Completed, and no record unaccounted for."""
        completed = self.state is not None and self.state.status == "Completed"
        return completed and self.reconciled is not False

    @property
    def advice(self) -> str | None:
        """What to do about the namespaces a Failed or Cancelled import left behind."""
        state, leftover = self.state, self.leftover_namespaces
        if state is None or state.status not in ("Failed", "Cancelled") or leftover == ():
            return None
        imported = state.records_imported
        ended = f"the import ended {state.status}"
        if imported is not None:
            ended += f" with {imported:,} records imported"
        if leftover is None:
            return (
                f"{ended}, and the namespaces of index {self.index!r} could not be listed"
                " afterwards: any of this import's namespaces it created would make importing"
                " them again refused (L007). Look at the index's namespaces before a retry"
            )
        names = ", ".join(map(repr, leftover))
        return (
            f"{ended}, and namespaces {names} now exist in index {self.index!r}: importing"
            " them again would be refused (L007). Delete those namespaces first, or import the"
            " data into new namespace folders"
        )

    def wait(
        self,
        *,
        progress: Callable[[ImportState], None] | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ImportOutcome:
        """Poll `describe_import` until Completed, Failed or Cancelled, or for at most
        `timeout` seconds (then `state` is the last one seen, not done, and the import goes on
        running); `progress` gets every state seen; `sleep(seconds)` waits between polls. An
        interrupt leaves the import running on Pinecone (see `cancel_import`)."""
        check_seconds("poll_seconds", poll_seconds)
        if timeout is not None:
            check_seconds("timeout", timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        what = f"follow import {self.id} into index {self.index!r} (it may still be running)"
        with Client(self._credentials) as client:
            index = client.data_plane(self._host)
            while True:
                with client.calling(what):
                    self.state = read_state(client, index, self.id)
                if progress is not None:
                    progress(self.state)
                left = None if deadline is None else deadline - time.monotonic()
                if self.state.done or (left is not None and left <= 0):
                    break
                sleep(poll_seconds if left is None else min(poll_seconds, left))
            if self.state.status in ("Failed", "Cancelled"):
                # The import's end matters more than this look; `advice` says when it failed.
                with contextlib.suppress(PrepError):
                    self.leftover_namespaces = self._left_behind(client, index)
        return self

    def _left_behind(self, client: Client, data_plane: Any) -> tuple[str, ...]:
        """The import's namespaces that exist now, except those that existed before it (L007
        in the report: the import was forced)."""
        before = {f.location.namespace for f in self.report.findings if f.code == "L007"}
        names = [ns.name for ns in self.report.summary.by_namespace]
        now = IndexDescription(
            name=self.index, namespaces=client.namespaces(data_plane, self.index)
        )
        return tuple(ns for ns, _ in now.existing(names) if ns not in before)

    def to_dict(self) -> dict[str, Any]:
        """`{"report": Report.to_dict(), "import": {...}}`; a refusal has `"import": None`."""
        state = self.state.to_dict() if self.state else dict.fromkeys(_STATE_FIELDS)
        return {
            "report": self.report.to_dict(),
            "import": {
                **state,
                "id": self.id,
                "uri": self.uri,
                "index": self.index,
                "error_mode": self.error_mode,
                "quick": self.quick,
                "records_expected": self.records_expected,
                "records_missing": self.records_missing,
                "records_rejected": self.records_rejected,
                "reconciled": self.reconciled,
                "duplicates": [d.to_dict() for d in self.duplicates],
                "leftover_namespaces": (
                    None if self.leftover_namespaces is None else list(self.leftover_namespaces)
                ),
                "advice": self.advice,
            },
        }


_STATE_FIELDS = tuple(f.name for f in fields(ImportState))

"""The Pinecone edge: imports through `client`, the only module that imports the SDK.

The SDK is an optional extra, so it is imported inside functions: `check` works without it.
Everything here talks to one index: describe it for the preflight rules (RULES.md section 5),
start an import with an explicit error mode, follow it to the end and reconcile the record
count, and list, describe or cancel imports. SDK exceptions never leave this module: API and
network failures become `PineconeError`, bad configuration becomes `UsageError`, and neither
message can contain the API key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from time import monotonic, sleep
from typing import Any, Literal, TypeVar

from .._check.api import check
from .._codes import severity_of
from .._errors import UsageError, ValidationError
from .._index import IndexDescription, index_issues
from .._report import Finding, Location, Report, Summary
from .._storage import Store
from .client import Client, Credentials

ErrorMode = Literal["abort", "continue"]


ERROR_MODES = ("abort", "continue")


TERMINAL_STATUSES = ("Completed", "Failed", "Cancelled")


DEFAULT_POLL_SECONDS = 5.0


T = TypeVar("T")


@dataclass(frozen=True)
class ImportState:
    """One import as Pinecone reports it (`describe_import` / `list_imports`)."""

    id: str
    uri: str
    status: str  # Pending | InProgress | Completed | Failed | Cancelled
    percent_complete: float | None = None
    records_imported: int | None = None
    error: str | None = None  # Pinecone's reason, for a Failed import
    created_at: str | None = None
    finished_at: str | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _state(model: Any) -> ImportState:
    return ImportState(
        id=str(model.id),
        uri=str(model.uri),
        status=str(model.status),
        percent_complete=model.percent_complete,
        records_imported=model.records_imported,
        error=model.error,
        created_at=model.created_at,
        finished_at=model.finished_at,
    )


@dataclass
class ImportOutcome:
    """A started import: the check report it was started on and the last state seen.

    `records_expected` is what the check counted; once the import is Completed,
    `records_missing` is how many of those Pinecone did not import (in continue mode,
    the records it skipped without saying which).
    """

    id: str
    index: str
    uri: str
    error_mode: ErrorMode
    report: Report[Summary]
    quick: bool = False  # the check read footers only
    state: ImportState | None = None  # None until the import has been described
    _credentials: Credentials = field(default_factory=Credentials, repr=False)
    _host: str = field(default="", repr=False)  # the index's data-plane host

    @property
    def records_expected(self) -> int:
        return self.report.summary.records

    @property
    def records_missing(self) -> int | None:
        """Expected minus imported, for a Completed import that reports its count."""
        state = self.state
        if state is None or state.status != "Completed" or state.records_imported is None:
            return None
        return self.records_expected - state.records_imported

    @property
    def reconciled(self) -> bool | None:
        """True when every checked record was imported; None when that cannot be known."""
        missing = self.records_missing
        return None if missing is None else missing == 0

    @property
    def ok(self) -> bool:
        """Completed, and no record unaccounted for."""
        completed = self.state is not None and self.state.status == "Completed"
        return completed and self.reconciled is not False

    def wait(
        self,
        *,
        progress: Callable[[ImportState], None] | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        timeout: float | None = None,
    ) -> ImportOutcome:
        """Poll `describe_import` until Completed, Failed or Cancelled, or for at most
        `timeout` seconds (then `state` is the last one seen, not done, and the import goes on
        running); `progress` gets every state seen. An interrupt leaves the import running on
        Pinecone (see `cancel_import`)."""
        _check_seconds("poll_seconds", poll_seconds)
        if timeout is not None:
            _check_seconds("timeout", timeout)
        deadline = None if timeout is None else monotonic() + timeout
        what = f"follow import {self.id} into index {self.index!r} (it may still be running)"
        with Client(self._credentials) as client:
            index = client.data_plane(self._host)
            while True:
                with client.calling(what):
                    self.state = _state(index.describe_import(self.id))
                if progress is not None:
                    progress(self.state)
                left = None if deadline is None else deadline - monotonic()
                if self.state.done or (left is not None and left <= 0):
                    return self
                sleep(poll_seconds if left is None else min(poll_seconds, left))

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
                "reconciled": self.reconciled,
            },
        }


_STATE_FIELDS = tuple(f.name for f in fields(ImportState))


def _check_seconds(name: str, seconds: float) -> None:
    if not isinstance(seconds, int | float) or not seconds > 0:
        raise UsageError(f"{name} must be a positive number, not {seconds!r}")


def _index_name(index: object) -> str:
    if not isinstance(index, str) or not index:
        raise UsageError(f"index must be an index name, not {index!r}")
    return index


def describe_index(
    name: str, *, api_key: str | None = None, host: str | None = None
) -> IndexDescription:
    """Describe the live index `name`: kind, dimension, metric, cloud, serverless or pod,
    integrated embedding, existing namespaces with their record counts, and its host.

    `api_key` defaults to PINECONE_API_KEY; `host` is the control-plane URL (for a custom or
    local control plane). Raises PineconeError when Pinecone refuses or cannot be reached.
    """
    name = _index_name(name)
    with Client(Credentials(api_key, host)) as client:
        return client.describe(name)


def preflight(
    uri: str,
    *,
    index: str | IndexDescription,
    api_key: str | None = None,
    host: str | None = None,
    **check_options: Any,
) -> Report[Summary]:
    """`check(uri, ...)` against an index: a name is described live (see `describe_index`),
    an `IndexDescription` is used as given. The index findings (L007, L010, P001, P002) and
    the data findings it implies (S010, S012, R011, ...) are in the same report."""
    if not isinstance(index, IndexDescription):
        index = describe_index(index, api_key=api_key, host=host)
    return check(uri, index=index, **check_options)


def start_import(
    uri: str,
    *,
    index: str,
    error_mode: ErrorMode = "abort",
    integration_id: str | None = None,
    wait: bool = True,
    force: bool = False,
    quick: bool = False,
    progress: Callable[[ImportState], None] | None = None,
    check_progress: Callable[[int, int], None] | None = None,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    timeout: float | None = None,
    api_key: str | None = None,
    host: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    **check_options: Any,
) -> ImportOutcome:
    """Check `uri` against the live index, then start the import and (with `wait`) follow it.

    The check reads every row, or only footers with `quick` (layout, schema, limits and the
    index rules). With errors it raises `ValidationError` (carrying the report) before any
    import request, unless `force`. `error_mode` is always sent (the server default is
    disputed across Pinecone's sources). `progress` gets each `ImportState` polled (for at
    most `timeout` seconds, see `ImportOutcome.wait`);
    `check_progress(done_bytes, total_bytes)` follows the check. Other keyword arguments go
    to `check` (limits, extra_columns, max_examples, ...).
    """
    if error_mode not in ERROR_MODES:
        raise UsageError(f"error_mode must be 'abort' or 'continue', not {error_mode!r}")
    _check_seconds("poll_seconds", poll_seconds)
    name = _index_name(index)
    store = Store(uri, storage_options)
    if not store.importable:
        raise UsageError(
            f"Pinecone cannot read {store.uri}: start_import needs s3://, gs:// or an Azure"
            " https:// URL (a local or memory prefix can only be checked)"
        )
    credentials = Credentials(api_key, host)
    description = describe_index(name, api_key=api_key, host=host)
    assert description.host is not None  # describe_index refuses an index without one
    report = check(
        uri,
        index=description,
        storage_options=storage_options,
        progress=check_progress,
        quick=quick,
        **check_options,
    )
    if not (report.valid or force):
        raise ValidationError(report.describe_errors(), report=report)
    with Client(credentials) as client:
        data_plane = client.data_plane(description.host)
        if not force:
            # The check may have taken hours: a namespace created meanwhile (another import,
            # a retry) would fail this one, so look again just before starting.
            now = replace(description, namespaces=client.namespaces(data_plane, name))
            names = [ns.name for ns in report.summary.by_namespace]
            taken = [
                Finding(
                    issue.code,
                    severity_of(issue.code),
                    f"{issue.message} (created while the check ran)",
                    Location(store.uri_of(issue.namespace or ""), issue.namespace),
                )
                for issue in index_issues(now, scheme=store.scheme, namespaces=names)
                if issue.code == "L007"
            ]
            if taken:
                refused = report.extended(taken)
                raise ValidationError(refused.describe_errors(), report=refused)
        with client.calling(f"start the import of {store.uri} into index {name!r}"):
            started = data_plane.start_import(
                uri, error_mode=error_mode, integration_id=integration_id
            )
    outcome = ImportOutcome(
        str(started.id),
        name,
        uri,
        error_mode,
        report,
        quick,
        _credentials=credentials,
        _host=description.host,
    )
    if not wait:
        return outcome
    return outcome.wait(progress=progress, poll_seconds=poll_seconds, timeout=timeout)


def _on_index(
    index: str, api_key: str | None, host: str | None, what: str, call: Callable[[Any], T]
) -> T:
    """Run `call(data-plane client)` for the index named `index`; `what` names the action."""
    name = _index_name(index)
    with Client(Credentials(api_key, host)) as client:
        data_plane = client.data_plane(client.model(name).host)
        with client.calling(f"{what} of index {name!r}"):
            return call(data_plane)


def list_imports(
    index: str, *, api_key: str | None = None, host: str | None = None
) -> list[ImportState]:
    """Every recent and ongoing import of the index named `index`."""
    return _on_index(
        index, api_key, host, "list the imports", lambda ix: [_state(m) for m in ix.list_imports()]
    )


def describe_import(
    import_id: str, *, index: str, api_key: str | None = None, host: str | None = None
) -> ImportState:
    """The current state of one import."""
    return _on_index(
        index,
        api_key,
        host,
        f"describe import {import_id}",
        lambda ix: _state(ix.describe_import(import_id)),
    )


def cancel_import(
    import_id: str, *, index: str, api_key: str | None = None, host: str | None = None
) -> ImportState:
    """Cancel one import (a finished one is left as it is); return its state afterwards."""

    def cancel(ix: Any) -> ImportState:
        ix.cancel_import(import_id)
        return _state(ix.describe_import(import_id))

    return _on_index(index, api_key, host, f"cancel import {import_id}", cancel)

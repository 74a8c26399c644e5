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
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from .._check.api import check
from .._codes import severity_of
from .._errors import PineconeError, PrepError, UsageError, ValidationError
from .._index import IndexDescription, index_issues
from .._report import Finding, Location, Report, Summary
from .._storage import Store
from .client import Client, Credentials
from .outcome import DEFAULT_POLL_SECONDS, ErrorMode, ImportOutcome, check_seconds, read_state
from .states import ImportState, ImportValidation, related

__all__ = [
    "ImportOutcome",
    "ImportStartError",
    "ImportState",
    "ImportValidation",
    "cancel_import",
    "describe_import",
    "describe_index",
    "list_imports",
    "preflight",
    "start_import",
]

ERROR_MODES = ("abort", "continue")


RECENT = timedelta(minutes=5)  # "just created": also covers a client clock a little ahead


T = TypeVar("T")


class ImportStartError(PineconeError):
    """`start_import` failed, or its outcome is unknown (a dropped connection), and Pinecone
    lists `imports` of the same URI running or created in the last minutes: the SDK retries a
    failed start, so one of them may be this start's."""

    def __init__(self, message: str, imports: tuple[ImportState, ...]) -> None:
        super().__init__(message)
        self.imports = imports


def _index_name(index: object) -> str:
    if not isinstance(index, str) or not index:
        raise UsageError(f"index must be an index name, not {index!r}")
    return index


def describe_index(
    name: str, *, api_key: str | None = None, host: str | None = None
) -> IndexDescription:
    """Describe the live index `name`: its family (legacy vector, legacy integrated or
    document index) and schema (a `DocumentSchema`), kind, dimension, metric, cloud,
    serverless or pod, integrated embedding, existing namespaces with their record counts
    (from the namespace listing, so a namespace created empty counts), and its host.

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
    an `IndexDescription` is used as given. The index findings (L007, L010, P001-P004) and
    the data findings it implies (S010, S012, R011, ... for a legacy index's Parquet; a
    document index's JSON Lines against its schema) are in the same report."""
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
    index rules); a document index's JSON Lines are checked against its schema (every line,
    or the first lines of each file with `quick`), Parquet into it is P003, JSON Lines into a
    legacy index P004. With errors it raises `ValidationError` (carrying the report) before any
    import request, unless `force`. `error_mode` is always sent (the server default is
    disputed across Pinecone's sources). `progress` gets each `ImportState` polled (for at
    most `timeout` seconds, see `ImportOutcome.wait`);
    `check_progress(done_bytes, total_bytes)` follows the check. Other keyword arguments go
    to `check` (limits, extra_columns, max_examples, ...).

    A start that fails (or whose answer is lost) raises `ImportStartError` when Pinecone lists
    an import of the same URI created meanwhile, else `PineconeError`; other imports of the
    URI running when it started are in `ImportOutcome.duplicates`.
    """
    if error_mode not in ERROR_MODES:
        raise UsageError(f"error_mode must be 'abort' or 'continue', not {error_mode!r}")
    check_seconds("poll_seconds", poll_seconds)
    name, credentials = _index_name(index), Credentials(api_key, host)
    store, description, report = _checked(
        uri,
        name,
        credentials,
        storage_options,
        force=force,
        quick=quick,
        check_progress=check_progress,
        check_options=check_options,
    )
    data_host = description.host or ""  # describe refuses an index without a host
    with Client(credentials) as client:
        data_plane = client.data_plane(data_host)
        if not force:
            _recheck_namespaces(client, data_plane, description, report, store)
        what = f"start the import of {store.uri} into index {name!r}"
        started, duplicates = _start(
            client, data_plane, uri, what, error_mode=error_mode, integration_id=integration_id
        )
    outcome = ImportOutcome(
        started,
        name,
        uri,
        error_mode,
        report,
        quick,
        duplicates=duplicates,
        _credentials=credentials,
        _host=data_host,
    )
    if not wait:
        return outcome
    return outcome.wait(progress=progress, poll_seconds=poll_seconds, timeout=timeout)


def _checked(
    uri: str,
    name: str,
    credentials: Credentials,
    storage_options: Mapping[str, Any] | None,
    *,
    force: bool,
    quick: bool,
    check_progress: Callable[[int, int], None] | None,
    check_options: Mapping[str, Any],
) -> tuple[Store, IndexDescription, Report[Summary]]:
    """The prefix (one Pinecone can read), the live index and the check against it; a
    `ValidationError` when the check has errors, unless `force`."""
    store = Store(uri, storage_options)
    if not store.importable:
        raise UsageError(
            f"Pinecone cannot read {store.uri}: start_import needs s3://, gs:// or an Azure"
            " https:// URL (a local or memory prefix can only be checked)"
        )
    with Client(credentials) as client:
        description = client.describe(name)
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
    return store, description, report


def _recheck_namespaces(
    client: Client,
    data_plane: Any,
    description: IndexDescription,
    report: Report[Summary],
    store: Store,
) -> None:
    """The check may have taken hours: a namespace created meanwhile (another import, a
    retry) would fail this one, so look again just before starting."""
    assert description.name is not None
    now = replace(description, namespaces=client.namespaces(data_plane, description.name))
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


def _start(
    client: Client,
    data_plane: Any,
    uri: str,
    what: str,
    *,
    error_mode: ErrorMode,
    integration_id: str | None,
) -> tuple[str, tuple[ImportState, ...]]:
    """Start the import: its id, and the other imports of its URI running now. When the start
    fails, the imports of its URI running or created in the last minutes are named."""
    since = datetime.now(timezone.utc) - RECENT
    try:
        with client.calling(what):
            started = data_plane.start_import(
                uri, error_mode=error_mode, integration_id=integration_id
            )
    except PineconeError as exc:
        try:
            twins = _imports_of(client, data_plane, uri, since)
        except PrepError as again:
            raise PineconeError(
                f"{exc}; whether an import started anyway is unknown (listing the imports"
                f" failed too: {again})"
            ) from None
        if not twins:
            raise
        raise ImportStartError(f"{exc}; {_twins_text(twins)}", twins) from None
    try:
        others = _imports_of(client, data_plane, uri, None, exclude=str(started.id))
    except PrepError:
        others = ()  # the import did start: a failed look for duplicates must not hide its id
    return str(started.id), others


def _imports_of(
    client: Client, data_plane: Any, uri: str, since: datetime | None, exclude: str | None = None
) -> tuple[ImportState, ...]:
    """The imports of `uri` running now, and with `since` those created since then."""
    with client.calling("list the imports"):
        states = [ImportState.from_api(d) for d in client.get_pages(data_plane, IMPORTS, "data")]
    return related(states, uri, since=since, exclude=exclude)


def _twins_text(twins: tuple[ImportState, ...]) -> str:
    running = [s.id for s in twins if not s.done]
    ended = [f"{s.id} ({s.status})" for s in twins if s.done]
    parts = []
    if running:
        parts.append(f"an import of this URI is already running: {', '.join(running)}")
    if ended:
        parts.append(f"imports of this URI created in the last minutes: {', '.join(ended)}")
    return "; ".join(parts) + " (the SDK retries a failed start, so one may be this start's)"


IMPORTS = "/bulk/imports"


def _import_id(import_id: object) -> str:
    if not isinstance(import_id, str) or not 0 < len(import_id) <= 1000:
        raise UsageError(f"an import id is a string of 1 to 1000 characters, not {import_id!r}")
    return import_id


def _on_index(
    index: str,
    api_key: str | None,
    host: str | None,
    what: str,
    call: Callable[[Client, Any], T],
) -> T:
    """Run `call(client, data-plane client)` for the index named `index`; `what` names the
    action."""
    name = _index_name(index)
    with Client(Credentials(api_key, host)) as client:
        data_plane = client.data_plane(client.model(name).host)
        with client.calling(f"{what} of index {name!r}"):
            return call(client, data_plane)


def list_imports(
    index: str, *, api_key: str | None = None, host: str | None = None
) -> list[ImportState]:
    """Every recent and ongoing import of the index named `index`."""

    def listing(client: Client, ix: Any) -> list[ImportState]:
        return [ImportState.from_api(d) for d in client.get_pages(ix, IMPORTS, "data")]

    return _on_index(index, api_key, host, "list the imports", listing)


def describe_import(
    import_id: str, *, index: str, api_key: str | None = None, host: str | None = None
) -> ImportState:
    """The current state of one import."""
    import_id = _import_id(import_id)
    return _on_index(
        index,
        api_key,
        host,
        f"describe import {import_id}",
        lambda client, ix: read_state(client, ix, import_id),
    )


def cancel_import(
    import_id: str, *, index: str, api_key: str | None = None, host: str | None = None
) -> ImportState:
    """Cancel one import (a finished one is left as it is); return its state afterwards."""
    import_id = _import_id(import_id)

    def cancel(client: Client, ix: Any) -> ImportState:
        ix.cancel_import(import_id)
        return read_state(client, ix, import_id)

    return _on_index(index, api_key, host, f"cancel import {import_id}", cancel)

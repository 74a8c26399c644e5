"""A small stdlib fake of the Pinecone REST API, for tests that drive the real ``pinecone`` SDK.

It plays the 2026-07 API (what pinecone 10.x speaks) closely enough that the SDK's strict
msgspec decoding accepts every response. One ``ThreadingHTTPServer`` on 127.0.0.1 serves both
planes: the control plane at ``/indexes/...`` and each index's data plane under
``/data/<index>/...``. ``describe_index`` reports ``host`` as ``http://127.0.0.1:<port>/data/<index>``
with an explicit ``http://`` scheme, because the SDK rewrites a bare host to ``https://``.
See notes/pinecone-sdk.md for the SDK facts this relies on.

Use it through the ``fake_pinecone`` fixture::

    def test_something(fake_pinecone):
        fake_pinecone.add_index("docs", dimension=3, namespaces={"": 10, "a": 5})
        pc = fake_pinecone.client()
        idx = pc.Index(name="docs")
        op = idx.start_import("s3://bucket/prefix/", error_mode="continue")
        assert fake_pinecone.calls("POST", "/bulk/imports")[0].body["errorMode"] == {
            "onError": "continue"
        }
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

if TYPE_CHECKING:
    from pinecone import Pinecone

from tests.support.fake_pinecone_state import (
    DATA_PREFIX,
    DROP,
    TERMINAL_STATUSES,
    FakeImport,
    FakeIndex,
    FakeState,
    Fault,
    ImportStep,
    RecordedRequest,
    _paginate,
)


class ApiFailure(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _not_found(what: str) -> ApiFailure:
    return ApiFailure(404, "NOT_FOUND", f"Resource {what} not found")


def _bad_request(message: str) -> ApiFailure:
    return ApiFailure(400, "INVALID_ARGUMENT", message)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakePinecone) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client may drop a connection at any time (the SDK closes one it retries on);
        # that is no fault of the fake, so only other errors are printed.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    # Headers and body go out in two writes; without this, Nagle plus delayed ACK adds ~40ms.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.open_sockets.add(self.request)

    def finish(self) -> None:
        self.server.open_sockets.discard(self.request)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, extra = self.server.fake.handle(self.command, self.path, headers, raw)
        if status == DROP:
            self.close_connection = True  # the client sees the connection end, no answer
            return
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-pinecone-request-id", f"fake-{next(self.server.fake.request_ids)}")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _serve


class FakePinecone:
    """The fake server, its state, and everything the SDK sent it."""

    def __init__(self, api_key: str = "fake-api-key") -> None:
        self.api_key = api_key
        self.state = FakeState()
        self.requests: list[RecordedRequest] = []
        self.request_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = _Server(self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval keeps shutdown() (fixture teardown) from waiting 0.5s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._clients: list[Any] = []

    # ---- lifecycle and helpers for tests

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._server.shutdown()
        # Index clients keep their own keep-alive connections open; drop them so the
        # handler threads end with the test rather than with the process.
        for sock in list(self._server.open_sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5)

    def client(self, api_key: str | None = None, **kwargs: Any) -> Pinecone:
        """A real ``pinecone.Pinecone`` pointed at this server, with control-plane retries off."""
        from pinecone import Pinecone, RetryConfig

        kwargs.setdefault("retry_config", RetryConfig(max_retries=0))
        kwargs.setdefault("timeout", 5.0)
        pc = Pinecone(api_key=api_key or self.api_key, host=self.url, **kwargs)
        self._clients.append(pc)
        return pc

    def data_host(self, index: str) -> str:
        return f"{self.url}{DATA_PREFIX}{index}"

    def add_index(self, name: str, **fields: Any) -> FakeIndex:
        self.state.indexes[name] = FakeIndex(**fields)
        return self.state.indexes[name]

    def seed_import(
        self,
        index: str,
        uri: str,
        steps: list[ImportStep] | None = None,
        created_at: str | None = None,
    ) -> str:
        """Create an import directly, as if started earlier (e.g. by someone else)."""
        with self._lock:
            imp = self._new_import(self.state.indexes[index], uri, None, None, steps)
            if created_at is not None:
                imp.created_at = created_at
            return imp.id

    def calls(
        self, method: str | None = None, path: str | None = None, index: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests, filtered by method, exact relative path and data-plane index."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (path is None or r.path == path)
            and (index is None or r.index == index)
        ]

    # ---- request handling (runs on the server's handler threads)

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        split = urlsplit(target)
        path = unquote(split.path)
        query = dict(parse_qsl(split.query))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        index: str | None = None
        rel = path
        if path.startswith(DATA_PREFIX):
            index, _, rest = path[len(DATA_PREFIX) :].partition("/")
            rel = "/" + rest
        key_ok = headers.get("api-key") == self.api_key
        safe_headers = {k: v for k, v in headers.items() if k != "api-key"}
        with self._lock:
            self.requests.append(
                RecordedRequest(method, rel, index, query, body, safe_headers, key_ok)
            )
            fault = None
            try:
                if not key_ok:
                    # Pinecone checks the key before anything else, on both planes.
                    raise ApiFailure(401, "UNAUTHENTICATED", "Invalid API Key")
                fault = self._take_fault(method, rel)
                if fault is not None and not fault.after:
                    return _fault_reply(fault)
                if index is None:
                    payload = self._control(method, rel)
                else:
                    payload = self._data(method, rel, index, query, body)
                return _fault_reply(fault) if fault is not None else (200, payload, {})
            except ApiFailure as exc:
                error = {"code": exc.code, "message": exc.message}
                return exc.status, {"error": error, "status": exc.status}, {}

    def _take_fault(self, method: str, rel: str) -> Fault | None:
        for fault in self.state.faults:
            if fault.method == method and re.search(fault.path, rel) and fault.times != 0:
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    # ---- control plane

    def _control(self, method: str, rel: str) -> Any:
        if method == "GET" and rel == "/indexes":
            indexes = self.state.indexes.items()
            return {"indexes": [ix.describe_json(n, self.data_host(n)) for n, ix in indexes]}
        m = re.fullmatch(r"/indexes/([^/]+)", rel)
        if method == "GET" and m:
            if m[1] not in self.state.indexes:
                raise _not_found(m[1])
            return self.state.indexes[m[1]].describe_json(m[1], self.data_host(m[1]))
        raise _not_found(rel)

    # ---- data plane

    def _data(self, method: str, rel: str, name: str, query: dict[str, str], body: Any) -> Any:
        ix = self.state.indexes.get(name)
        if ix is None:
            raise _not_found(name)
        default_name = self.state.default_namespace_name
        if method == "POST" and rel == "/describe_index_stats":
            return ix.stats_json(default_name)
        if method == "GET" and rel == "/namespaces":
            return ix.namespaces_json(default_name, query)
        m = re.fullmatch(r"/namespaces/(.+)", rel)
        if method == "GET" and m:
            counts = ix.counts(default_name)
            if m[1] not in counts:
                raise _not_found(m[1])
            return {"name": m[1], "record_count": str(counts[m[1]])}
        if rel == "/bulk/imports":
            if method == "POST":
                return self._start_import(ix, body)
            if method == "GET":
                items = [imp.to_json() for imp in ix.imports.values()]
                page, token = _paginate(items, query)
                return {"data": page, **({"pagination": {"next": token}} if token else {})}
        m = re.fullmatch(r"/bulk/imports/([^/]+)", rel)
        if m:
            imp = ix.imports.get(m[1])
            if imp is None:
                raise _not_found(m[1])
            if method == "GET":
                out = imp.to_json()
                ix.namespaces.update(imp.current().namespaces or {})
                imp.advance()
                return out
            if method == "DELETE":
                if imp.current().status not in TERMINAL_STATUSES:
                    imp.cancelled = True
                return {}
        raise _not_found(rel)

    def _start_import(self, ix: FakeIndex, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("uri"):
            raise _bad_request("uri is required")
        uri = str(body["uri"])
        on_error = (body.get("errorMode") or {}).get("onError")
        if on_error is not None and on_error not in ("continue", "abort"):
            raise _bad_request(f"Invalid errorMode.onError: {on_error}")
        if self.state.enforce_import_rules:
            if ix.embeds():
                raise _bad_request("Bulk import is not supported for integrated indexes")
            if not ix.serverless:
                raise _bad_request("Bulk import is only supported for serverless indexes")
            if uri.startswith("s3://") and ix.cloud != "aws":
                raise _bad_request("Importing from S3 requires an index hosted on AWS")
        steps = self.state.import_scripts.get(uri)
        imp = self._new_import(ix, uri, on_error, body.get("integrationId"), steps)
        return {"id": imp.id}

    def _new_import(
        self,
        ix: FakeIndex,
        uri: str,
        error_mode: str | None,
        integration_id: str | None,
        steps: list[ImportStep] | None,
    ) -> FakeImport:
        script = list(steps or self.state.default_import_script)
        imp = FakeImport(str(self.state.next_import_id), uri, error_mode, integration_id, script)
        self.state.next_import_id += 1
        ix.imports[imp.id] = imp
        return imp


def _fault_reply(fault: Fault) -> tuple[int, Any, dict[str, str]]:
    if fault.drop:
        return DROP, None, {}
    headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
    error = {"code": fault.code, "message": fault.message}
    return fault.status, {"error": error, "status": fault.status}, headers


@pytest.fixture
def fake_pinecone() -> Iterator[FakePinecone]:
    fake = FakePinecone()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()

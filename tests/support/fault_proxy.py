"""A fault-injecting HTTP proxy on 127.0.0.1, in front of a local S3 (moto) endpoint.

Tests point ``endpoint_url`` at the proxy; each request is forwarded to the real server unless a
programmed `Fault` matches it (method, path regex, whether it carries a Range header), in which
case the proxy answers 503 SlowDown or 500 InternalError with an S3 XML body, drops the
connection before the headers or in the middle of the body, or stalls. A fault lets its first
`after` matching requests through, then fires `times` times (None: on every later match).
Every request the proxy sees is logged in `hits`, and the body bytes of GET answers are counted
in `bytes_read`.

Bounded by construction: stalls wait on an event that `stop()` sets, every socket has a timeout,
and `stop()` (the fixture's teardown) closes the listener and every open connection.
Stdlib only.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.support.endpoints import s3_storage_options

ACTIONS = ("503", "500", "drop", "drop-mid-body", "stall")
SOCKET_TIMEOUT = 30.0  # no socket of the proxy's waits longer than this for a peer
UPSTREAM_TIMEOUT = 10.0
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"}
_ERROR_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}'
    "</Message><RequestId>FAULTPROXY</RequestId></Error>"
)
_ERRORS = {
    "503": (503, "Service Unavailable", "SlowDown", "Please reduce your request rate."),
    "500": (500, "Internal Server Error", "InternalError", "We encountered an internal error."),
}


@dataclass
class Fault:
    """What to do to matching requests. `path` is a regex searched in the request target
    (path and query); `ranged` None matches either way; the first `after` matches pass;
    `times` None: every later match."""

    action: str
    method: str | None = None
    path: str = ""
    ranged: bool | None = None
    times: int | None = 1
    after: int = 0
    seconds: float = 0.0  # for "stall": how long to wait before closing without an answer
    fired: int = 0
    passed: int = 0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; expected one of {ACTIONS}")

    def matches(self, method: str, target: str, ranged: bool) -> bool:
        return (
            (self.times is None or self.fired < self.times)
            and self.method in (None, method)
            and self.ranged in (None, ranged)
            and re.search(self.path, target) is not None
        )


@dataclass(frozen=True)
class Hit:
    method: str
    target: str
    ranged: bool
    action: str  # "forward" or the fault's action


@dataclass
class FaultProxy:
    """The running proxy: `url` for endpoint_url, `add()` faults, read `hits`."""

    upstream: str
    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    bytes_read: int = 0  # body bytes forwarded in answer to GETs: what the client downloaded
    stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _sockets: set[socket.socket] = field(default_factory=set)

    def add(self, action: str, **match: object) -> Fault:
        fault = Fault(action, **match)  # type: ignore[arg-type]
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.hits.clear()
            self.bytes_read = 0

    def count_read(self, nbytes: int) -> None:
        with self._lock:
            self.bytes_read += nbytes

    def storage_options(self, **config: object) -> dict[str, object]:
        """S3 options through the proxy, with the store's default retries (not the one-attempt
        setting of the plain fixtures); `config` goes to botocore's config_kwargs."""
        options = s3_storage_options(self.url)
        options["config_kwargs"] = dict(config)
        return options

    def choose(self, method: str, target: str, ranged: bool) -> Fault | None:
        with self._lock:
            fault = next((f for f in self.faults if f.matches(method, target, ranged)), None)
            if fault is not None and fault.passed < fault.after:
                fault.passed += 1
                fault = None
            elif fault is not None:
                fault.fired += 1
            self.hits.append(Hit(method, target, ranged, fault.action if fault else "forward"))
            return fault

    def fired(self, action: str | None = None) -> int:
        with self._lock:
            return sum(1 for h in self.hits if h.action != "forward" and action in (None, h.action))

    def start(self) -> None:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fault-proxy", daemon=True
        ).start()

    def track(self, sock: socket.socket, on: bool) -> None:
        with self._lock:
            (self._sockets.add if on else self._sockets.discard)(sock)

    def stop(self) -> None:
        self.stopping.set()  # stalls end now
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:  # keep-alive connections: their handler threads end on EOF
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"  # keep-alive, as the S3 clients expect
    timeout = SOCKET_TIMEOUT

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.owner.track(self.connection, True)

    def finish(self) -> None:
        self.owner.track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:  # quiet, like the fixtures
        pass

    def _any(self) -> None:
        body = self._read_body()
        ranged = "range" in {k.lower() for k in self.headers}
        fault = self.owner.choose(self.command, self.path, ranged)
        if fault is None:
            self._forward(body)
        elif fault.action in _ERRORS:
            self._error(fault.action)
        elif fault.action == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif fault.action == "stall":
            self.owner.stopping.wait(fault.seconds)
            self.close_connection = True
        else:  # drop-mid-body
            self._forward(body, cut=True)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                chunk = self.rfile.read(size + 2)[:size]  # data, then CRLF
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                        pass
                    return b"".join(parts)
                parts.append(chunk)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _error(self, action: str) -> None:
        status, reason, code, message = _ERRORS[action]
        payload = _ERROR_XML.format(code=code, message=message).encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _forward(self, body: bytes, cut: bool = False) -> None:
        parts = urlsplit(self.owner.upstream)
        upstream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=UPSTREAM_TIMEOUT)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            self.send_response(response.status, response.reason)
            # A HEAD answer keeps the object's length; other bodies are sent whole.
            skip = _HOP_BY_HOP | {"date", "server"}
            if self.command != "HEAD":
                skip |= {"content-length"}
                self.send_header("Content-Length", str(len(payload)))
            for key, value in response.getheaders():
                if key.lower() not in skip:
                    self.send_header(key, value)
            self.end_headers()
            if self.command == "HEAD":
                return
            if cut:  # half the body, then the connection goes away
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(payload)
            if self.command == "GET":
                self.owner.count_read(len(payload))
        finally:
            upstream.close()


@contextlib.contextmanager
def running_proxy(upstream: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(name="fault_proxy")
def fault_proxy_fixture(s3_server: str) -> Iterator[FaultProxy]:
    """`fault_proxy`: a fresh proxy in front of the session's moto server, stopped at
    teardown. Import `fault_proxy_fixture` into a test module (or list this module in
    `pytest_plugins`) to use it."""
    with running_proxy(s3_server) as proxy:
        yield proxy

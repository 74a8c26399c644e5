"""What a store is opened with: the scheme, the libraries' retry and timeout defaults, and a
quick probe of an explicitly configured endpoint."""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import fsspec

from .._errors import StorageError
from .._redact import AZURE_SCHEMES

PROBE_SECONDS = 3.0


BUCKET_SCHEMES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "https")


# Schemes start_import can read from (RULES.md section 1); anything else is a dry run only.
IMPORTABLE_SCHEMES = ("s3", "gs", "https")


AZURE_HTTPS = re.compile(r"^https://(?P<account>[^./]+)\.blob\.core\.windows\.net/(?P<rest>.+)$")


# The storage libraries' own retries and timeouts, applied where storage_options say nothing
# (measurements: notes/storage-endpoints.md). S3: botocore's standard mode retries 5xx,
# SlowDown, dropped connections and timeouts with jittered backoff; s3fs would retry each call
# again, nested twice around a ranged read (its default 5 makes 25 x 3 calls: minutes for a
# stalled GET), so it makes one call and a body cut after the headers, which only the reader
# sees, is read again by `Source` (BODY_RETRIES). A GET that never answers: 3 x 15 s.
S3_CONFIG = {
    "retries": {"mode": "standard", "total_max_attempts": 3},
    "connect_timeout": 5,
    "read_timeout": 15,
}


S3FS_RETRIES = 1


GCS_TIMEOUTS = {"sock_connect": 5, "sock_read": 10}


AZURE_TIMEOUTS = {"connection_timeout": 5, "read_timeout": 20}


def with_defaults(scheme: str, options: dict[str, Any]) -> dict[str, Any]:
    """`options` with this module's retry and timeout defaults where the caller set none; a
    caller's `retries` is kept whole (not merged key by key)."""
    if scheme in ("s3", "s3a"):
        config = dict(options.get("config_kwargs") or {})
        for key, value in S3_CONFIG.items():
            config.setdefault(key, value)
        options["config_kwargs"] = config
    elif scheme in ("gs", "gcs") and "requests_timeout" not in options:
        import aiohttp  # installed with s3fs (aiobotocore) and gcsfs

        options["requests_timeout"] = aiohttp.ClientTimeout(**GCS_TIMEOUTS)
    elif scheme in AZURE_SCHEMES:
        for key, value in AZURE_TIMEOUTS.items():
            options.setdefault(key, value)
    return options


def scheme_of(uri: str) -> str:
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", uri)
    return match.group(1).lower() if match else "file"


def endpoint_of(options: Mapping[str, Any]) -> tuple[str, int] | None:
    """The (host, port) of an explicitly configured endpoint (S3/GCS `endpoint_url`, an Azure
    connection string's BlobEndpoint), if any: custom endpoints are the ones worth probing."""
    url = options.get("endpoint_url") or options.get("client_kwargs", {}).get("endpoint_url")
    connection = options.get("connection_string")
    if not url and isinstance(connection, str):
        match = re.search(r"BlobEndpoint=([^;]+)", connection)
        url = match.group(1) if match else None
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def probe(endpoint: tuple[str, int], uri: str) -> None:
    """Fail in seconds, not minutes, when a configured endpoint does not answer: the storage
    libraries retry a refused connection for 10 s (s3fs) to 90 s (adlfs)."""
    host, port = endpoint
    try:
        socket.create_connection((host, port), timeout=PROBE_SECONDS).close()
    except OSError as exc:
        raise StorageError(
            f"cannot reach the storage endpoint {host}:{port} for {uri}: {exc.strerror or exc}"
        ) from None


def protocols(fs: fsspec.AbstractFileSystem) -> tuple[str, ...]:
    proto = fs.protocol
    return (proto,) if isinstance(proto, str) else tuple(proto)

"""The storage edge: the only module that talks to fsspec.

Everything the checker, planner and writer need from a store goes through `Store`: list a prefix
with sizes, open a Parquet file for streaming reads, write and publish objects. Errors become
`StorageError` with a message that names the URI and never the credentials: `Store.uri` is the
display form (`redact`), the real target stays inside for fsspec.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import stat
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from ._errors import StorageError

READ_BUFFER = 8 * 1024 * 1024
PROBE_SECONDS = 3.0
BUCKET_SCHEMES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "https")
# Schemes start_import can read from (RULES.md section 1); anything else is a dry run only.
IMPORTABLE_SCHEMES = ("s3", "gs", "https")
_AZURE_HTTPS = re.compile(r"^https://(?P<account>[^./]+)\.blob\.core\.windows\.net/(?P<rest>.+)$")
AZURE_SCHEMES = ("az", "abfs", "abfss")

# The storage libraries' own retries and timeouts, applied where storage_options say nothing
# (measurements: notes/storage-endpoints.md). S3: botocore's standard mode retries 5xx,
# SlowDown, dropped connections and timeouts with jittered backoff; s3fs would retry each call
# again, nested twice around a ranged read (its default 5 makes 25 x 3 calls: minutes for a
# stalled GET), so it makes one call and a body cut after the headers, which only the reader
# sees, is read again by `_Source` (BODY_RETRIES). A GET that never answers: 3 x 15 s.
S3_CONFIG = {
    "retries": {"mode": "standard", "total_max_attempts": 3},
    "connect_timeout": 5,
    "read_timeout": 15,
}
S3FS_RETRIES = 1
BODY_RETRIES = 2
BODY_BACKOFF = 0.5  # seconds, doubled per retry
GCS_TIMEOUTS = {"sock_connect": 5, "sock_read": 10}
AZURE_TIMEOUTS = {"connection_timeout": 5, "read_timeout": 20}

# Keys whose values are secrets, in URI queries, connection strings, messages and options.
_SECRET_NAME = r"[\w.-]*(?:sig|signature|token|secret|password|passwd|pwd|credential|key)"
_SECRET_PAIR = re.compile(rf"(?i)\b({_SECRET_NAME})=([^&\s;'\"<>]+)")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*)://([^/\s@?#]+)@")
_SHORTEST_SECRET = 6  # shorter option values are not scrubbed from messages verbatim


def redact(text: str) -> str:
    """`text` (a URI or a message) with credentials replaced by `***`: a URI's userinfo
    (`s3://KEY:SECRET@b` -> `s3://***@b`; an Azure `az://container@account` keeps its
    container) and the values of signature/token/secret/key-like parameters (`sig=`,
    `X-Amz-Signature=`, `AccountKey=`); other parameters (`sv=`, `se=`, `sp=`) stay."""

    def userinfo(match: re.Match[str]) -> str:
        scheme, info = match.group(1), match.group(2)
        if scheme.lower() in AZURE_SCHEMES and ":" not in info:
            return match.group(0)  # the container, not a credential
        return f"{scheme}://***@"

    return _SECRET_PAIR.sub(r"\1=***", _USERINFO.sub(userinfo, text))


def _secrets(uri: str, options: Mapping[str, Any]) -> tuple[str, ...]:
    """Secret strings to scrub verbatim from library messages, which may quote them without
    a `key=` in front (s3fs names the bucket `KEY:SECRET@bucket` for such a URI)."""
    parts = urlsplit(uri)
    found = [parts.netloc.rpartition("@")[0]]
    found += [v for k, v in parse_qsl(parts.query) if re.fullmatch(_SECRET_NAME, k, re.I)]

    def walk(node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, Mapping):
                walk(value)
            elif isinstance(value, str) and re.fullmatch(
                _SECRET_NAME + r"|connection_string", key, re.I
            ):
                found.append(value)

    walk(options)
    return tuple(sorted({s for s in found if len(s) >= _SHORTEST_SECRET}, key=len, reverse=True))


def _with_defaults(scheme: str, options: dict[str, Any]) -> dict[str, Any]:
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


@dataclass(frozen=True)
class StoredObject:
    """One object under a prefix: `key` is its path relative to the prefix, '/'-separated."""

    key: str
    size: int


def _scheme(uri: str) -> str:
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", uri)
    return match.group(1).lower() if match else "file"


_HINTS = (
    (FileNotFoundError, "not found (does the bucket or container exist?)"),
    (PermissionError, "access denied (check the credentials and their permissions)"),
)


def _describe(exc: BaseException, secrets: Sequence[str] = ()) -> str:
    """A short reason without secrets: a plain hint, the exception type and its first line."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    for secret in secrets:
        text = text.replace(secret, "***")
    hint = next((h + ": " for kind, h in _HINTS if isinstance(exc, kind)), "")
    return redact(f"{hint}{type(exc).__name__}: {text}")[:300]


def _endpoint(options: Mapping[str, Any]) -> tuple[str, int] | None:
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


def _probe(endpoint: tuple[str, int], uri: str) -> None:
    """Fail in seconds, not minutes, when a configured endpoint does not answer: the storage
    libraries retry a refused connection for 10 s (s3fs) to 90 s (adlfs)."""
    host, port = endpoint
    try:
        socket.create_connection((host, port), timeout=PROBE_SECONDS).close()
    except OSError as exc:
        raise StorageError(
            f"cannot reach the storage endpoint {host}:{port} for {uri}: {exc.strerror or exc}"
        ) from None


class NotParquet(ValueError):
    """pyarrow rejected an object's bytes, or it is no regular file: data (F001), not a
    failure of the store."""


def _rejected_by_arrow(exc: BaseException) -> bool:
    """For a failure no `_Source` recorded: Arrow's own errors, text in the footer that is not
    UTF-8, and the plain OSError (no errno) Arrow raises for undecodable metadata (thrift).
    A local read failure has an errno; gcsfs reports a 403 as a plain OSError("Forbidden")."""
    if isinstance(exc, (pa.ArrowException, UnicodeDecodeError)):
        return True
    return type(exc) is OSError and exc.errno is None and not str(exc).startswith("Forbidden")


def _row_count_problem(meta: pq.FileMetaData) -> str | None:
    """Why a footer's row counts cannot all be true: negative, a file total that is not the
    sum of its row groups, or a flat column (one value per row, nulls included) whose value
    count is not its row group's row count."""
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    counts = [group.num_rows for group in groups]
    if meta.num_rows < 0 or min(counts, default=0) < 0 or sum(counts) != meta.num_rows:
        return f"{meta.num_rows:,} rows in the file, {counts} in its row groups"
    flat = [c for c in range(meta.num_columns) if meta.schema.column(c).max_repetition_level == 0]
    for number, group in enumerate(groups):
        for c in flat:
            if group.column(c).num_values != group.num_rows:
                column = meta.schema.column(c).path
                values = group.column(c).num_values
                return f"row group {number} has {group.num_rows:,} rows, column {column} {values:,}"
    return None


class Store:
    """A prefix on any fsspec filesystem, addressed by keys relative to it."""

    def __init__(self, uri: str, storage_options: Mapping[str, Any] | None = None) -> None:
        self.scheme = _scheme(uri)
        options = _with_defaults(self.scheme, dict(storage_options or {}))
        self._secrets = _secrets(uri, options)
        self.uri = redact(uri.rstrip("/") or uri)  # what every message and report shows
        target = uri
        azure = _AZURE_HTTPS.match(uri)
        if azure:  # Pinecone's Azure form maps to adlfs, with the account taken from the host
            target = "az://" + azure.group("rest")
            options.setdefault("account_name", azure.group("account"))
        try:
            self.fs, path = url_to_fs(target, **options)
        except Exception as exc:  # a missing library, bad options, a credential lookup
            raise StorageError(f"cannot open {self.uri}: {self._describe(exc)}") from None
        if self.scheme in ("s3", "s3a"):
            # Not an s3fs option but an attribute read on each call; fsspec shares this
            # instance only among callers whose options (with the defaults above) are equal.
            self.fs.retries = S3FS_RETRIES
        self.path = path.rstrip("/")
        endpoint = _endpoint(options)
        if endpoint is not None:
            _probe(endpoint, self.uri)
        self.local = "file" in _protocols(self.fs)
        self._failures: dict[str, StorageError] = {}  # per key, as reads through pyarrow fail

    @property
    def importable(self) -> bool:
        """Whether start_import can read this URI (a local or memory path is a dry run)."""
        return self.scheme in IMPORTABLE_SCHEMES

    def uri_of(self, key: str) -> str:
        """The display URI of the object `key` (a query string stays at the end)."""
        base, sep, query = self.uri.partition("?")
        return f"{base}/{key}{sep}{query}" if key else self.uri

    def _describe(self, exc: BaseException) -> str:
        return _describe(exc, self._secrets)

    def _full(self, key: str) -> str:
        return f"{self.path}/{key}" if key else self.path

    @contextmanager
    def _errors(self, what: str, key: str = "") -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except Exception as exc:  # any backend error is an I/O failure of this one call
            raise StorageError(f"cannot {what} {self.uri_of(key)}: {self._describe(exc)}") from None

    @contextmanager
    def reading(self, key: str) -> Iterator[None]:
        """Around reads of a Parquet object: bytes pyarrow rejects raise NotParquet, any other
        failure StorageError. A failure of the store inside pyarrow is known by the source
        that saw it (`_Source`), whatever pyarrow makes of it on the way out."""
        try:
            yield
        except (StorageError, NotParquet):
            raise
        except Exception as exc:
            failure = self._failures.get(key)
            if failure is not None:
                raise failure from None
            if _rejected_by_arrow(exc):
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise NotParquet(reason) from None
            raise StorageError(f"cannot read {self.uri_of(key)}: {self._describe(exc)}") from None

    def read_footer(self, key: str) -> pq.FileMetaData:
        """The Parquet footer (raises NotParquet or StorageError). A footer whose row counts
        contradict each other is no footer to plan or scan by: NotParquet."""
        with self.reading(key):
            meta = self.open_parquet(key).metadata
        problem = _row_count_problem(meta)
        if problem:
            raise NotParquet(f"the footer's row counts disagree: {problem}")
        return meta

    def batches(
        self, key: str, metadata: pq.FileMetaData | None = None, **options: Any
    ) -> Iterator[pa.RecordBatch]:
        """Stream a Parquet object's record batches (`ParquetFile.iter_batches` options), each
        read under `reading`: the caller's own errors are never mistaken for the store's."""
        with self.reading(key):
            stream = self.open_parquet(key, metadata).iter_batches(**options)
        while True:
            with self.reading(key):
                batch = next(stream, None)
            if batch is None:
                return
            yield batch

    def is_object(self) -> bool:
        """True when the URI names an object rather than a prefix."""
        with self._errors("inspect"):
            if self.local:  # a FIFO or device is an object too (that is not read)
                return bool(self.fs.exists(self.path) and not self.fs.isdir(self.path))
            return bool(self.fs.isfile(self.path))

    def list(self) -> list[StoredObject]:
        """Every object under the prefix with its size, sorted by key."""
        with self._errors("list"):
            found = self.fs.find(self.path, detail=True, withdirs=False)
            # Some stores (adlfs) list a missing container as empty: tell that from an empty
            # prefix, which is data (L002), not a storage failure.
            bucket = self.path.split("/", 1)[0]
            if not found and self.scheme in BUCKET_SCHEMES and not self.fs.exists(bucket):
                raise FileNotFoundError(f"bucket or container {bucket!r} does not exist")
        prefix = self.path + "/"
        objects = []
        for full, info in found.items():
            full = full.rstrip("/")
            if not full.startswith(prefix) or info.get("type") == "directory":
                continue
            objects.append(StoredObject(full[len(prefix) :], int(info.get("size") or 0)))
        return sorted(objects, key=lambda o: o.key)

    def open_parquet(self, key: str, metadata: pq.FileMetaData | None = None) -> pq.ParquetFile:
        """Open a Parquet object for streaming reads (data is read on demand). Pass the
        footer's `metadata` when it is known, so it is not fetched and parsed again.

        Pages that carry a CRC are verified (a flipped byte is F001, not a silently different
        value; measured +40% read time on such files, none on files without CRCs).

        Raises NotParquet for what is not a regular file, whatever pyarrow raises for bytes
        that are not Parquet (the caller judges both as data, F001), and StorageError when
        the store fails, also from inside pyarrow's reads.
        """
        if self.local:
            self._must_be_regular(key, NotParquet)
            return pq.ParquetFile(
                self._full(key),
                metadata=metadata,
                pre_buffer=False,
                buffer_size=READ_BUFFER,
                page_checksum_verification=True,
            )
        try:
            raw = self.fs.open(self._full(key), "rb")
        except Exception as exc:
            raise self._failed(key, exc) from None
        source = pa.PythonFile(_Source(raw, lambda exc: self._failed(key, exc)), mode="r")
        return pq.ParquetFile(
            source, metadata=metadata, pre_buffer=True, page_checksum_verification=True
        )

    def _failed(self, key: str, exc: BaseException) -> StorageError:
        """The store failed reading `key` (after its library's retries): remembered, so that
        `reading` tells it from bytes pyarrow rejects."""
        if isinstance(exc, StorageError):
            return exc
        error = StorageError(f"cannot read {self.uri_of(key)}: {self._describe(exc)}")
        self._failures.setdefault(key, error)
        return error

    def _must_be_regular(self, key: str, error: type[Exception]) -> None:
        """Only regular files are objects: a FIFO, socket or device under a local prefix is
        never opened (opening a FIFO blocks until someone writes to it)."""
        if not self.local:
            return
        try:
            mode = os.stat(self._full(key)).st_mode
        except OSError:
            return  # missing or unreadable: opening it says so
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            kind = next((name for test, name in _SPECIAL if test(mode)), "special file")
            raise error(f"not a regular file (a {kind}): only regular files are read")

    def size(self, key: str) -> int:
        with self._errors("stat", key):
            return int(self.fs.size(self._full(key)))

    def exists(self, key: str) -> bool:
        with self._errors("stat", key):
            return bool(self.fs.exists(self._full(key)))

    # --- copying ---------------------------------------------------------------------------

    def copy_to(self, key: str, target: Store, target_key: str) -> None:
        """Copy one object: server-side when both ends are the same filesystem (S3 CopyObject,
        GCS rewrite), else streamed through this machine."""
        with self._errors("copy", key):
            self._must_be_regular(key, OSError)
            if type(self.fs) is type(target.fs) and self.fs.storage_options == (
                target.fs.storage_options
            ):
                if self.local:
                    self.fs.makedirs(self.fs._parent(target._full(target_key)), exist_ok=True)
                self.fs.copy(self._full(key), target._full(target_key))
            else:
                with (
                    self.fs.open(self._full(key), "rb") as src,
                    target.fs.open(target._full(target_key), "wb") as dst,
                ):
                    while chunk := src.read(READ_BUFFER):
                        dst.write(chunk)

    # --- writing ---------------------------------------------------------------------------

    def open_read(self, key: str = "") -> IO[bytes]:
        """Open an object for sequential reads (the writer's JSON Lines and CSV inputs)."""
        with self._errors("open", key):
            self._must_be_regular(key, OSError)
            handle: IO[bytes] = self.fs.open(self._full(key), "rb")
            return handle

    def write_object(self, key: str, write: Callable[[Any], None]) -> tuple[int, str]:
        """Write one object with `write(file)` and return its size and the sha256 of its
        bytes, for a manifest: `file` hashes them on their way out (measured: 25% faster than
        reading a local file back), so nothing is read or downloaded again. Failures become
        StorageError; an object left half written is the caller's to delete."""
        with self._errors("write", key):
            self._make_parents(key)
            with self.fs.open(self._full(key), "wb") as raw:
                sink = _HashingSink(raw)
                try:
                    write(sink)
                except Exception as exc:
                    # The writer library wraps the sink's error in its own: raise the original.
                    raise (sink.error or exc) from None
            return sink.size, sink.hash.hexdigest()

    def move(self, key: str, target_key: str) -> None:
        """Rename an object, replacing any object at `target_key` (on object stores: copy, then
        delete the source)."""
        with self._errors("move", key):
            self._make_parents(target_key)
            self.fs.mv(self._full(key), self._full(target_key))

    def delete(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        with self._errors("delete", keys[0]):
            self.fs.rm([self._full(key) for key in keys])

    def delete_prefix(self, key: str) -> None:
        """Delete a folder and everything under it, if it exists."""
        with self._errors("delete", key):
            if self.fs.exists(self._full(key)):
                self.fs.rm(self._full(key), recursive=True)

    def remove_if_empty(self) -> None:
        """Remove the prefix's own folder if it is empty (local filesystems: object stores have
        no folders). A folder with anything in it is left alone."""
        if self.local:
            with suppress(OSError):
                os.rmdir(self._full(""))

    def read_text(self, key: str) -> str | None:
        """A small UTF-8 object's text, or None when it does not exist."""
        with self._errors("read", key):
            self._must_be_regular(key, OSError)
            try:
                data: bytes = self.fs.cat_file(self._full(key))
            except FileNotFoundError:
                return None
        return data.decode("utf-8", "replace")

    def write_text(self, key: str, text: str) -> None:
        """Replace a small object in one step: readers see the old text or the new, never half
        (written under a temporary name, then moved over)."""
        partial = self._full(key + ".partial")
        with self._errors("write", key):
            self._make_parents(key)
            try:
                self.fs.pipe_file(partial, text.encode("utf-8"))
                self.fs.mv(partial, self._full(key))
            except Exception:
                with suppress(Exception):  # best effort: the store is failing already
                    self.fs.rm(partial)
                raise

    def _make_parents(self, key: str) -> None:
        """Local filesystems need a key's folders to exist; object stores have no folders."""
        if self.local:
            self.fs.makedirs(self.fs._parent(self._full(key)), exist_ok=True)


_SPECIAL = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


@cache
def _body_errors() -> tuple[type[BaseException], ...]:
    """What breaks an S3 response body after its headers arrived (a cut connection, a stall
    mid-body): botocore retried the request, not the body."""
    import aiohttp
    from aiobotocore.response import AioReadTimeoutError  # type: ignore[import-untyped]
    from botocore.exceptions import (  # type: ignore[import-untyped]
        IncompleteReadError,
        ResponseStreamingError,
    )

    return (
        aiohttp.ClientPayloadError,
        AioReadTimeoutError,
        IncompleteReadError,
        ResponseStreamingError,
    )


class _Source:
    """The file pyarrow reads a remote object through (as pyarrow's own fsspec handler would
    give it). A failure of the store is raised as the StorageError `failed` makes of it, which
    also records it: pyarrow passes Python exceptions through, and if it ever wraps one,
    `Store.reading` still finds the record."""

    def __init__(self, raw: Any, failed: Callable[[BaseException], StorageError]) -> None:
        self._raw = raw
        self._fail = failed

    def read(self, nbytes: int = -1) -> bytes:
        for attempt in range(BODY_RETRIES + 1):
            try:
                data: bytes = self._raw.read(nbytes)
                return data
            except Exception as exc:
                if attempt == BODY_RETRIES or not isinstance(exc, _body_errors()):
                    raise self._fail(exc) from None
            # A failed read leaves the file's position where it was: read the same again.
            time.sleep(BODY_BACKOFF * 2**attempt)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return int(self._raw.seek(offset, whence))
        except Exception as exc:
            raise self._fail(exc) from None

    def __getattr__(self, name: str) -> Any:  # tell, close, closed, ...
        return getattr(self._raw, name)


class _HashingSink:
    """The binary file an object is written through: it hashes every byte on the way and keeps
    the first error, which writer libraries tend to wrap in their own."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.hash = hashlib.sha256()
        self.size = 0
        self.error: BaseException | None = None

    def write(self, data: bytes) -> int:
        try:
            self._raw.write(data)
        except Exception as exc:
            self.error = self.error or exc
            raise
        self.hash.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._raw.flush()

    def writable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return bool(self._raw.closed)


def _protocols(fs: fsspec.AbstractFileSystem) -> tuple[str, ...]:
    proto = fs.protocol
    return (proto,) if isinstance(proto, str) else tuple(proto)

"""The storage edge: the only module that talks to fsspec.

Everything the checker, planner and writer need from a store goes through `Store`: list a prefix
with sizes, open a Parquet file for streaming reads, write and publish objects. Errors become
`StorageError` with a message that names the URI and never the credentials.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import IO, Any
from urllib.parse import urlsplit

import fsspec
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from ._errors import StorageError
from ._types import StoredObject

READ_BUFFER = 8 * 1024 * 1024
PROBE_SECONDS = 3.0
BUCKET_SCHEMES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "https")
# Schemes start_import can read from (RULES.md section 1); anything else is a dry run only.
IMPORTABLE_SCHEMES = ("s3", "gs", "https")
_AZURE_HTTPS = re.compile(r"^https://(?P<account>[^./]+)\.blob\.core\.windows\.net/(?P<rest>.+)$")


def _scheme(uri: str) -> str:
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", uri)
    return match.group(1).lower() if match else "file"


_HINTS = (
    (FileNotFoundError, "not found (does the bucket or container exist?)"),
    (PermissionError, "access denied (check the credentials and their permissions)"),
)


def _describe(exc: BaseException) -> str:
    """A short reason without secrets: a plain hint, the exception type and its first line."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = re.sub(r"(?i)(key|secret|token|signature|password|sig)=[^&\s;]+", r"\1=***", text)
    hint = next((h + ": " for kind, h in _HINTS if isinstance(exc, kind)), "")
    return f"{hint}{type(exc).__name__}: {text}"[:300]


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


class NotParquet(Exception):
    """pyarrow rejected an object's bytes: data (F001), not a failure of the store."""


def _rejected_by_arrow(exc: BaseException) -> bool:
    # Arrow's own errors, and the plain OSError it raises for undecodable metadata (thrift);
    # the stores raise subclasses (FileNotFoundError, PermissionError, ...) or their own types,
    # but gcsfs reports a denied request (403) as a plain OSError("Forbidden: ...") too.
    if isinstance(exc, pa.ArrowException):
        return True
    return type(exc) is OSError and not str(exc).startswith("Forbidden")


class Store:
    """A prefix on any fsspec filesystem, addressed by keys relative to it."""

    def __init__(self, uri: str, storage_options: Mapping[str, Any] | None = None) -> None:
        self.uri = uri.rstrip("/") or uri
        self.scheme = _scheme(uri)
        options = dict(storage_options or {})
        target = uri
        azure = _AZURE_HTTPS.match(uri)
        if azure:  # Pinecone's Azure form maps to adlfs, with the account taken from the host
            target = "az://" + azure.group("rest")
            options.setdefault("account_name", azure.group("account"))
        try:
            self.fs, path = url_to_fs(target, **options)
        except (ImportError, ValueError) as exc:
            raise StorageError(f"cannot open {self.uri}: {_describe(exc)}") from None
        self.path = path.rstrip("/")
        endpoint = _endpoint(options)
        if endpoint is not None:
            _probe(endpoint, self.uri)
        self.local = "file" in _protocols(self.fs)
        self._arrow_fs = None if self.local else pafs.PyFileSystem(pafs.FSSpecHandler(self.fs))

    @property
    def importable(self) -> bool:
        """Whether start_import can read this URI (a local or memory path is a dry run)."""
        return self.scheme in IMPORTABLE_SCHEMES

    def uri_of(self, key: str) -> str:
        return f"{self.uri}/{key}" if key else self.uri

    def _full(self, key: str) -> str:
        return f"{self.path}/{key}" if key else self.path

    @contextmanager
    def _errors(self, what: str, key: str = "") -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except Exception as exc:  # any backend error is an I/O failure of this one call
            raise StorageError(f"cannot {what} {self.uri_of(key)}: {_describe(exc)}") from None

    @contextmanager
    def reading(self, key: str) -> Iterator[None]:
        """Around reads of a Parquet object: bytes pyarrow rejects raise NotParquet, any other
        failure StorageError."""
        try:
            yield
        except (StorageError, NotParquet):
            raise
        except Exception as exc:
            if _rejected_by_arrow(exc):
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise NotParquet(reason) from None
            raise StorageError(f"cannot read {self.uri_of(key)}: {_describe(exc)}") from None

    def read_footer(self, key: str) -> pq.FileMetaData:
        """The Parquet footer (raises NotParquet or StorageError)."""
        with self.reading(key):
            return self.open_parquet(key).metadata

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

        Raises whatever pyarrow raises for a file that is not Parquet: the caller judges that
        as data (F001), while a failure to reach the store becomes StorageError.
        """
        if self.local:
            return pq.ParquetFile(
                self._full(key), metadata=metadata, pre_buffer=False, buffer_size=READ_BUFFER
            )
        source = self._arrow_fs.open_input_file(self._full(key))  # type: ignore[union-attr]
        return pq.ParquetFile(source, metadata=metadata, pre_buffer=True)

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
            handle: IO[bytes] = self.fs.open(self._full(key), "rb")
            return handle

    def stream(self, key: str, block: int = READ_BUFFER) -> Iterator[bytes]:
        """An object's bytes, read sequentially in blocks of at most `block` bytes (JSON Lines
        files); every failure, mid-stream included, is a StorageError."""
        with self._errors("open", key):
            handle = self.fs.open(self._full(key), "rb")
        try:
            while True:
                with self._errors("read", key):
                    data: bytes = handle.read(block)
                if not data:
                    return
                yield data
        finally:
            with suppress(Exception):
                handle.close()

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

    def remove_empty(self, key: str) -> None:
        """Remove the folder `key` ("" the prefix itself) if it is empty (local filesystems:
        object stores have no folders). A folder with anything in it is left alone."""
        if self.local:
            with suppress(OSError):
                os.rmdir(self._full(key))

    def read_text(self, key: str) -> str | None:
        """A small UTF-8 object's text, or None when it does not exist."""
        with self._errors("read", key):
            try:
                data: bytes = self.fs.cat_file(self._full(key))
            except FileNotFoundError:
                return None
        return data.decode("utf-8", "replace")

    def write_text(self, key: str, text: str) -> None:
        """Replace a small object in one step: readers see the old text or the new, never half
        (written under a temporary name, then moved over)."""
        partial = key + ".partial"
        with self._errors("write", key):
            self._make_parents(key)
            self.fs.pipe_file(self._full(partial), text.encode("utf-8"))
            self.fs.mv(self._full(partial), self._full(key))

    def create_exclusive(self, key: str, text: str) -> bool:
        """Create a small object only if none exists at `key` (S3 If-None-Match, GCS
        ifGenerationMatch=0, Azure and local exclusive create); False when one exists."""
        with self._errors("create", key):
            self._make_parents(key)
            try:
                with self.fs.open(self._full(key), "xb") as handle:
                    handle.write(text.encode("utf-8"))
            except FileExistsError:
                return False
        return True

    def inside(self, other: Store) -> bool:
        """Whether this prefix is `other`'s or lies under it (the same filesystem)."""
        same = (
            type(self.fs) is type(other.fs) and self.fs.storage_options == other.fs.storage_options
        )
        return same and (self.path == other.path or self.path.startswith(other.path + "/"))

    def _make_parents(self, key: str) -> None:
        """Local filesystems need a key's folders to exist; object stores have no folders."""
        if self.local:
            self.fs.makedirs(self.fs._parent(self._full(key)), exist_ok=True)


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

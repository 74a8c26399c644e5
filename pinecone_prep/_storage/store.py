"""The storage edge: the only module that talks to fsspec.

Everything the checker, planner and writer need from a store goes through `Store`: list a prefix
with sizes, open a Parquet file for streaming reads, write and publish objects. Errors become
`StorageError` with a message that names the URI and never the credentials: `Store.uri` is the
display form (`redact`), the real target stays inside for fsspec.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from .._errors import StorageError
from .._redact import describe_error, redact, secrets_of
from .._types import StoredObject
from .options import (
    AZURE_HTTPS,
    BUCKET_SCHEMES,
    IMPORTABLE_SCHEMES,
    S3FS_RETRIES,
    endpoint_of,
    probe,
    protocols,
    scheme_of,
    with_defaults,
)
from .streams import (
    FIRST_ROWS_BUFFER,
    READ_BUFFER,
    SPECIAL,
    WHOLE_READ_BYTES,
    NotParquet,
    Source,
    group_bytes,
    rejected_by_arrow,
    row_count_problem,
)
from .writes import Writes


class Store(Writes):
    """A prefix on any fsspec filesystem, addressed by keys relative to it."""

    def __init__(self, uri: str, storage_options: Mapping[str, Any] | None = None) -> None:
        self.scheme = scheme_of(uri)
        options = with_defaults(self.scheme, dict(storage_options or {}))
        self._secrets = secrets_of(uri, options)
        self.uri = redact(uri.rstrip("/") or uri)  # what every message and report shows
        target = uri
        azure = AZURE_HTTPS.match(uri)
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
        endpoint = endpoint_of(options)
        if endpoint is not None:
            probe(endpoint, self.uri)
        self.local = "file" in protocols(self.fs)
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
        return describe_error(exc, self._secrets)

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
        that saw it (`Source`), whatever pyarrow makes of it on the way out."""
        try:
            yield
        except (StorageError, NotParquet):
            raise
        except Exception as exc:
            failure = self._failures.get(key)
            if failure is not None:
                raise failure from None
            if rejected_by_arrow(exc):
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise NotParquet(reason) from None
            raise StorageError(f"cannot read {self.uri_of(key)}: {self._describe(exc)}") from None

    def read_footer(self, key: str) -> pq.FileMetaData:
        """The Parquet footer (raises NotParquet or StorageError). A footer whose row counts
        contradict each other is no footer to plan or scan by: NotParquet."""
        with self.reading(key):
            meta = pq.read_metadata(self._parquet_source(key))
        problem = row_count_problem(meta)
        if problem:
            raise NotParquet(f"the footer's row counts disagree: {problem}")
        return meta

    def batches(
        self,
        key: str,
        metadata: pq.FileMetaData | None = None,
        *,
        first_rows: bool = False,
        **options: Any,
    ) -> Iterator[pa.RecordBatch]:
        """Stream a Parquet object's record batches (`ParquetFile.iter_batches` options, and
        `first_rows`: see `open_parquet`), each read under `reading`: the caller's own errors
        are never mistaken for the store's."""
        with self.reading(key):
            groups = options.get("row_groups")
            parquet = self.open_parquet(key, metadata, row_groups=groups, first_rows=first_rows)
            stream = parquet.iter_batches(**options)
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

    def open_parquet(
        self,
        key: str,
        metadata: pq.FileMetaData | None = None,
        *,
        row_groups: Sequence[int] | None = None,
        first_rows: bool = False,
    ) -> pq.ParquetFile:
        """Open a Parquet object for reads of `row_groups` (all when None) or of its first
        rows; pass the footer's `metadata` when it is known. Row groups up to WHOLE_READ_BYTES
        are fetched a column chunk at a time (remote: pre-buffered), so a page header claiming
        2 GiB cannot make pyarrow allocate it as a buffered stream does; more is streamed in
        bounded memory, the first rows through a small buffer. Pages with a CRC are verified
        (+40% read time on such files). Raises NotParquet for what is not a regular file or
        what pyarrow rejects (F001), StorageError when the store fails, also inside pyarrow."""
        source = self._parquet_source(key)
        if metadata is None:
            metadata = pq.read_metadata(source)
        whole = not first_rows and group_bytes(metadata, row_groups) <= WHOLE_READ_BYTES
        buffer = 0 if whole else FIRST_ROWS_BUFFER if first_rows else READ_BUFFER
        return pq.ParquetFile(
            source,
            metadata=metadata,
            pre_buffer=whole and not self.local,  # local: each chunk read when it is needed
            buffer_size=buffer,
            page_checksum_verification=True,
        )

    def _parquet_source(self, key: str) -> str | pa.PythonFile:
        """What pyarrow reads a Parquet object from: a local path (a regular file only), or
        the store's file through `Source`, which tells the store's failures from bad bytes."""
        if self.local:
            self._must_be_regular(key, NotParquet)
            return self._full(key)
        try:
            # No read-ahead (s3fs fetches 50 MB blocks): pyarrow asks for the ranges it needs.
            raw = self.fs.open(self._full(key), "rb", cache_type="none")
        except Exception as exc:
            raise self._failed(key, exc) from None
        return pa.PythonFile(Source(raw, lambda exc: self._failed(key, exc)), mode="r")

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
            kind = next((name for test, name in SPECIAL if test(mode)), "special file")
            raise error(f"not a regular file (a {kind}): only regular files are read")

    def size(self, key: str) -> int:
        with self._errors("stat", key):
            return int(self.fs.size(self._full(key)))

    def exists(self, key: str) -> bool:
        with self._errors("stat", key):
            return bool(self.fs.exists(self._full(key)))

    # --- sequential reads ------------------------------------------------------------------

    def open_read(self, key: str = "") -> IO[bytes]:
        """Open an object for sequential reads (the writer's JSON Lines and CSV inputs)."""
        with self._errors("open", key):
            self._must_be_regular(key, OSError)
            handle: IO[bytes] = self.fs.open(self._full(key), "rb")
            return handle

    def stream(self, key: str, block: int = READ_BUFFER) -> Iterator[bytes]:
        """An object's bytes, read sequentially in blocks of at most `block` bytes (JSON Lines
        files); every failure, mid-stream included, is a StorageError."""
        with self._errors("open", key):
            self._must_be_regular(key, OSError)
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

    def head(self, key: str, length: int) -> bytes:
        """The first `length` bytes of an object (one ranged request on object stores)."""
        with self._errors("read", key):
            if self.local:  # fsspec's call costs more than the read
                with open(self._full(key), "rb") as handle:
                    return handle.read(length)
            data: bytes = self.fs.cat_file(self._full(key), start=0, end=length)
        return data

    def read_text(self, key: str) -> str | None:
        """A small UTF-8 object's text, or None when it does not exist."""
        with self._errors("read", key):
            self._must_be_regular(key, OSError)
            try:
                data: bytes = self.fs.cat_file(self._full(key))
            except FileNotFoundError:
                return None
        return data.decode("utf-8", "replace")

    def inside(self, other: Store) -> bool:
        """Whether this prefix is `other`'s or lies under it (the same filesystem)."""
        same = (
            type(self.fs) is type(other.fs) and self.fs.storage_options == other.fs.storage_options
        )
        return same and (self.path == other.path or self.path.startswith(other.path + "/"))

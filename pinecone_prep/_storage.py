"""The storage edge: the only module that talks to fsspec.

Everything the checker, planner and writer need from a store goes through `Store`: list a prefix
with sizes, open a Parquet file for streaming reads, write and publish objects. Errors become
`StorageError` with a message that names the URI and never the credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import fsspec
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from ._errors import StorageError

READ_BUFFER = 8 * 1024 * 1024
# Schemes start_import can read from (RULES.md section 1); anything else is a dry run only.
IMPORTABLE_SCHEMES = ("s3", "gs", "https")
_AZURE_HTTPS = re.compile(r"^https://(?P<account>[^./]+)\.blob\.core\.windows\.net/(?P<rest>.+)$")


@dataclass(frozen=True)
class StoredObject:
    """One object under a prefix: `key` is its path relative to the prefix, '/'-separated."""

    key: str
    size: int


def _scheme(uri: str) -> str:
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", uri)
    return match.group(1).lower() if match else "file"


def _describe(exc: BaseException) -> str:
    """A short reason without secrets: the exception type and its first line."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = re.sub(r"(?i)(key|secret|token|signature|password|sig)=[^&\s]+", r"\1=***", text)
    return f"{type(exc).__name__}: {text}"[:300]


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

    def is_object(self) -> bool:
        """True when the URI names an object rather than a prefix."""
        with self._errors("inspect"):
            return bool(self.fs.isfile(self.path))

    def list(self) -> list[StoredObject]:
        """Every object under the prefix with its size, sorted by key."""
        with self._errors("list"):
            found = self.fs.find(self.path, detail=True, withdirs=False)
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


def _protocols(fs: fsspec.AbstractFileSystem) -> tuple[str, ...]:
    proto = fs.protocol
    return (proto,) if isinstance(proto, str) else tuple(proto)

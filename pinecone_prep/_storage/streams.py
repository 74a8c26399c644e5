"""The byte streams between pyarrow and the stores: reads that tell a store's failure from
bytes pyarrow rejects, writes that hash what they write, and the footer counts that cannot all
be true."""

from __future__ import annotations

import hashlib
import stat
import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .._errors import StorageError

READ_BUFFER = 8 * 1024 * 1024  # bytes per buffered read
# Row groups whose column chunks total at most this are fetched whole (remote: in coalesced
# parallel requests); more is streamed through a buffer, in bounded memory.
WHOLE_READ_BYTES = 32 * 1024 * 1024
FIRST_ROWS_BUFFER = 1024 * 1024  # a read of the first rows only: about the first pages
BODY_RETRIES = 2


BODY_BACKOFF = 0.5  # seconds, doubled per retry


class NotParquet(ValueError):
    """pyarrow rejected an object's bytes, or it is no regular file: data (F001), not a
    failure of the store."""


def rejected_by_arrow(exc: BaseException) -> bool:
    """For a failure no `Source` recorded: Arrow's own errors, text in the footer that is not
    UTF-8, and the plain OSError (no errno) Arrow raises for undecodable metadata (thrift).
    A local read failure has an errno; gcsfs reports a 403 as a plain OSError("Forbidden")."""
    if isinstance(exc, (pa.ArrowException, UnicodeDecodeError)):
        return True
    return type(exc) is OSError and exc.errno is None and not str(exc).startswith("Forbidden")


def row_count_problem(meta: pq.FileMetaData) -> str | None:
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


SPECIAL = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


@cache
def body_errors() -> tuple[type[BaseException], ...]:
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


class Source:
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
                if attempt == BODY_RETRIES or not isinstance(exc, body_errors()):
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


class HashingSink:
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


def group_bytes(meta: pq.FileMetaData, row_groups: Sequence[int] | None) -> int:
    """The bytes of `row_groups` (all when None) as the footer says, uncompressed: at least
    what their column chunks take in the file, and one call per group (cheap per task)."""
    groups = range(meta.num_row_groups) if row_groups is None else row_groups
    return sum(meta.row_group(index).total_byte_size for index in groups)

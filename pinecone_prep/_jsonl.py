"""JSON Lines files as an import reads them: blocks of lines, gzip decompressed on the way, in
bounded memory, with what the framing rules need (a byte order mark, a missing final newline,
gzip members, a broken stream). Shared by the checker and the writer's read-back; bytes come
through `Store.stream` (the storage edge).

Memory stays within about two blocks plus one line: a line longer than `max_line` is measured
while it streams past, never held.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from ._spec import ID_KEY, MAX_DOCUMENT_BYTES
from ._storage import Store

BLOCK_BYTES = 8 * 1024 * 1024  # decompressed text per block (the Parquet batches' size)
BOM = b"\xef\xbb\xbf"
GZIP = 31  # zlib's wbits for a gzip stream (header and CRC checked)


@dataclass
class Block:
    """Consecutive lines of one file, without their newlines, from row `first_row` (0-based).
    A line longer than the reader's `max_line` is b"" here and its size is in `oversized`
    (by index in the block)."""

    first_row: int
    lines: list[bytes]
    oversized: dict[int, int] = field(default_factory=dict)


@dataclass
class Framing:
    """What a read learnt about the file as a whole (final once the blocks are consumed)."""

    rows: int = 0
    bom: bool = False
    final_newline: bool = True  # False: the last line has no "\n"
    members: int = 0  # gzip streams, when the file is gzip
    failure: str | None = None  # why the bytes stopped making sense (F001), if they did


def is_gzip(key: str) -> bool:
    return key.endswith(".gz")


def _gunzip(chunks: Iterable[bytes], framing: Framing, limit: int) -> Iterator[bytes]:
    """Decompress a gzip file (one member or several), at most `limit` bytes at a time; a bad
    header, a bad checksum or a stream cut short ends the output and sets `framing.failure`."""
    inflate: Any = None
    started = False
    try:
        for chunk in chunks:
            data, pending = chunk, False
            while data or pending:
                if inflate is None:
                    inflate, started = zlib.decompressobj(GZIP), True
                out = inflate.decompress(data, limit)
                if out:
                    yield out
                pending = len(out) == limit  # output the limit held back may wait
                if inflate.eof:
                    framing.members += 1
                    data, inflate, pending = inflate.unused_data, None, False
                else:
                    data = inflate.unconsumed_tail
    except zlib.error as exc:
        framing.failure = f"not gzip, or corrupt: {exc}"
        return
    if inflate is not None or not started:
        framing.failure = (
            "the gzip stream ends early (truncated file)" if started else "empty file, not gzip"
        )


class LineReader:
    """Iterate once for the file's blocks; `framing` is complete afterwards. `rows` (quick
    checks) stops after that many lines."""

    def __init__(
        self,
        store: Store,
        key: str,
        *,
        block_bytes: int = BLOCK_BYTES,
        max_line: int = MAX_DOCUMENT_BYTES,
        rows: int | None = None,
    ) -> None:
        self.store, self.key = store, key
        self.block_bytes, self.max_line, self.limit = block_bytes, max_line, rows
        self.framing = Framing()

    def _text(self) -> Iterator[bytes]:
        chunks = self.store.stream(self.key, self.block_bytes)
        if is_gzip(self.key):
            return _gunzip(chunks, self.framing, self.block_bytes)
        return chunks

    def __iter__(self) -> Iterator[Block]:
        framing = self.framing
        carry = b""
        skipping = -1  # bytes of an over-long line seen so far, while it streams past
        first = True
        for chunk in self._text():
            if first:
                chunk = carry + chunk
                carry = b""
                if len(chunk) < len(BOM) and BOM.startswith(chunk):
                    carry = chunk  # too short to tell yet
                    continue
                first = False
                if chunk.startswith(BOM):
                    framing.bom, chunk = True, chunk[len(BOM) :]
            if skipping >= 0:
                end = chunk.find(b"\n")
                if end < 0:
                    skipping += len(chunk)
                    continue
                yield self._block([b""], {0: skipping + end})
                skipping, chunk = -1, chunk[end + 1 :]
            # One split per block, no copy of the block as a whole: the carried partial line
            # joins the first piece, the last piece is carried.
            lines = chunk.split(b"\n")
            if len(lines) == 1:
                carry += chunk
            else:
                lines[0] = carry + lines[0]
                carry = lines.pop()
                yield self._block(lines)
            if len(carry) > self.max_line:  # no newline in sight: stop holding it
                skipping, carry = len(carry), b""
            if self.limit is not None and framing.rows >= self.limit:
                return
        if framing.failure is not None:
            return  # a partial last line of a broken stream is not a line
        if carry or skipping >= 0:
            framing.final_newline = False
            size = skipping + len(carry) if skipping >= 0 else -1
            yield self._block([b""], {0: size}) if size >= 0 else self._block([carry])

    def _block(self, lines: list[bytes], oversized: dict[int, int] | None = None) -> Block:
        framing = self.framing
        if self.limit is not None:
            lines = lines[: max(0, self.limit - framing.rows)]
        if oversized is None:
            oversized = {}
            if max(map(len, lines), default=0) > self.max_line:
                for i, line in enumerate(lines):
                    if len(line) > self.max_line:
                        oversized[i], lines[i] = len(line), b""
        block = Block(framing.rows, lines, oversized)
        framing.rows += len(lines)
        return block


def line_ids(store: Store, key: str, rows: np.ndarray[Any, Any]) -> dict[int, Any]:
    """Confirming duplicate candidates: the `_id` of each of `rows` (0-based lines of the
    JSON Lines object `key`), as the checker hashed it (None when the line has no string
    `_id`)."""
    return {row: line_id(line) for row, line in _lines_at(store, key, rows)}


def line_vectors(store: Store, key: str, rows: np.ndarray[Any, Any], field: str) -> dict[int, Any]:
    """Confirming identical-vector candidates: the dense `field` of each of `rows` as float32
    bytes, as the checker hashed it (a line that no longer parses gets a value equal to no
    other)."""
    out: dict[int, Any] = {}
    for row, line in _lines_at(store, key, rows):
        try:
            doc = orjson.loads(line[:-1] if line[-1:] == b"\r" else line)
            out[row] = np.asarray(doc[field], np.float32).tobytes()
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            out[row] = object()
    return out


def _lines_at(store: Store, key: str, rows: np.ndarray[Any, Any]) -> Iterator[tuple[int, bytes]]:
    """(row, line) for each of `rows`: one pass over the file, stopping after the last."""
    wanted = set(np.unique(rows).tolist())
    last = max(wanted, default=-1)
    for block in LineReader(store, key, rows=last + 1):
        for i, line in enumerate(block.lines):
            if block.first_row + i in wanted:
                yield block.first_row + i, line


def line_id(line: bytes) -> str | None:
    """A line's `_id` when it is a string, else None."""
    try:
        doc = orjson.loads(line[:-1] if line[-1:] == b"\r" else line)
    except orjson.JSONDecodeError:
        return None
    value = doc.get(ID_KEY) if type(doc) is dict else None
    return value if type(value) is str else None

"""Publishing staged parts under an import root: duplicates across the parts are confirmed and
dropped, affected files rewritten, the quarantine written, then the manifest protocol (pending
-> moves -> complete) makes every file under the root complete or absent.

`Root` is the import root as a write sees it: its listing and manifest, the namespace folders
it may write, and the lock that keeps a second writer from losing the first one's files."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import numpy as np
import orjson
import pyarrow as pa

from .._errors import StorageError, UsageError
from .._manifest import Manifest, ManifestFile
from .._spec import MANIFEST_KEY, PARQUET, RESERVED_PREFIX, TMP_PREFIX
from .._storage import Store
from .._types import StoredObject
from .dedupe import Drops, find_duplicates
from .documents import format_named
from .files import Part
from .formats import FileFormat, ParquetFormat
from .model import (
    OnInvalid,
    RejectedRow,
    RowsRejected,
    StagedFile,
    StagedPart,
    WriteResult,
    WrittenFile,
)
from .quarantine import quarantine_columns, quarantine_name, quarantine_schema, stale_quarantine

LOCK_KEY = f"{RESERVED_PREFIX}_lock.json"
LOCAL_JOB = "write"  # a plain write's job: a re-run after a crash finds its leftovers
MOVE_THREADS = 16  # moves are copy + delete round trips on object stores


class Root:
    """An import root being written."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.manifest = Manifest()
        self.listing: list[StoredObject] = []
        self.folders: dict[str, list[str]] = {}  # top-level folder -> its object keys
        self.created = False  # the root did not exist before this write
        self._lock: str | None = None  # the job holding the lock, once taken

    def check_target(self) -> None:
        """Refuse an object; note whether the root exists yet (to remove it after a failure)."""
        store = self.store
        if store.uri.endswith(PARQUET) or store.is_object():
            raise UsageError(
                f"{store.uri} names an object; give the prefix that will hold the namespace folders"
            )
        self.created = not store.exists("")

    def prepare(self) -> None:
        """Read the root as it is (under the lock): its manifest and listing."""
        store = self.store
        text = store.read_text(MANIFEST_KEY)
        if text is not None:
            with suppress(ValueError):  # an unreadable manifest vouches for nothing
                self.manifest = Manifest.from_json(text)
        self.listing = store.list()
        self.folders = {}
        for obj in self.listing:
            if "/" in obj.key:
                self.folders.setdefault(obj.key.split("/")[0], []).append(obj.key)

    def claim(self, name: str, *, overwrite: bool) -> None:
        """Refuse a namespace folder that holds anything but an unfinished write's own files
        (its manifest's pending ones), unless `overwrite`."""
        own = set(self.manifest.pending)
        foreign = [key for key in self.folders.get(name, []) if key not in own]
        if foreign and not overwrite:
            raise UsageError(
                f"{self.store.uri_of(name)} is not empty ({len(foreign)} object(s), e.g."
                f" {foreign[0]}); pass overwrite=True (CLI: --overwrite) to replace it"
            )

    @contextmanager
    def locked(self, job: str) -> Iterator[None]:
        """Hold the root's lock for `job`: a second writer is refused rather than losing
        this one's files. A lock left by a process of this host that is gone is taken over;
        re-entering for the same job is allowed."""
        if self._lock == job:
            yield
            return
        text = orjson.dumps(
            {"job": job, "host": socket.gethostname(), "pid": os.getpid(), "started": time.time()}
        ).decode()
        if not self.store.create_exclusive(LOCK_KEY, text) and self._take_over_or_refuse(job, text):
            yield  # held by this job already (a distributed write's driver): not ours to free
            return
        self._lock = job
        try:
            yield
        finally:
            self._lock = None
            with suppress(StorageError):
                self.store.delete([LOCK_KEY])

    def _take_over_or_refuse(self, job: str, text: str) -> bool:
        """When the lock is taken: True if `job` holds it already; take over a lock left by a
        crashed write of this machine (False); refuse otherwise."""
        try:
            held = orjson.loads(self.store.read_text(LOCK_KEY) or "{}")
        except orjson.JSONDecodeError:
            held = {}
        if held.get("job") == job and job != LOCAL_JOB:
            return True
        here = held.get("host") == socket.gethostname()
        if here and not _alive(held.get("pid")):  # left by a crashed write on this machine
            self.store.delete([LOCK_KEY])
            if self.store.create_exclusive(LOCK_KEY, text):
                return False
        age = time.time() - float(held.get("started") or time.time())
        raise UsageError(
            f"another pinecone-prep write is publishing to {self.store.uri} (job"
            f" {held.get('job')!r}, pid {held.get('pid')} on {held.get('host')!r}, started"
            f" {age:,.0f} s ago): wait for it to finish; if that write is dead, delete"
            f" {self.store.uri_of(LOCK_KEY)}"
        )

    def abort(self, folder: str) -> None:
        """After a failure, once the lock is released: remove the temporary objects (and the
        root, if this write created it and it is empty again)."""
        with suppress(StorageError):
            self.store.delete_prefix(folder)
            self.store.remove_empty(TMP_PREFIX)
            if self.created:
                self.store.remove_empty("")


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True, kw_only=True)
class Publishing:
    """How staged parts are published."""

    on_invalid: OnInvalid
    overwrite: bool
    row_group_bytes: int
    quarantine: Store | None


def publish_parts(root: Root, parts: Sequence[StagedPart], how: Publishing) -> WriteResult:
    """Publish the staged parts (in their order: a duplicate keeps its first record)."""
    store = root.store
    formats = {p.format for p in parts}
    if len(formats) > 1:
        raise UsageError(f"parts of several formats cannot be published together: {formats}")
    fields = {p.vector_field for p in parts}
    if len(fields) > 1:
        named = sorted(map(str, fields))
        raise UsageError(f"parts with their vectors in different fields cannot be merged: {named}")
    fmt = format_named(next(iter(formats), "parquet"), vector_field=next(iter(fields), None))
    for name in sorted({f.namespace for p in parts for f in p.files}):
        root.claim(name, overwrite=how.overwrite)
    drops, duplicates = find_duplicates(store, parts, fmt)
    order = {p.part: i for i, p in enumerate(parts)}
    rejected = _in_order([*(r for p in parts for r in p.rejected), *duplicates], parts, order)
    if rejected and how.on_invalid == "error":
        raise RowsRejected(store.uri, rejected)
    files = [f for p in parts for f in p.files]
    schema = next((p.schema for p in parts if p.schema is not None), None)
    files, lost = _rewrite(store, files, drops, schema, how, fmt)
    quarantined = _quarantine(store, parts, lost, how)
    final = _final_keys(parts, files, fmt.suffix)
    written = _manifest_protocol(root, final)
    for job in sorted({p.job for p in parts}):
        store.delete_prefix(f"{TMP_PREFIX}/{job}")
    store.remove_empty(TMP_PREFIX)
    ignored = tuple(dict.fromkeys(c for p in parts for c in p.ignored_columns))
    manifest = store.uri_of(MANIFEST_KEY) if written else None
    return WriteResult(store.uri, written, rejected, manifest, quarantined, ignored)


def _in_order(
    rows: list[RejectedRow], parts: Sequence[StagedPart], order: dict[str, int]
) -> list[RejectedRow]:
    rank = {(p.part, s): i for p in parts for i, s in enumerate(p.sources)}
    return sorted(
        rows,
        key=lambda r: (order.get(r.part or "", 0), rank.get((r.part or "", r.source), 0), r.row),
    )


def _rewrite(
    store: Store,
    files: list[StagedFile],
    drops: Drops,
    schema: pa.Schema | None,
    how: Publishing,
    fmt: FileFormat,
) -> tuple[list[StagedFile], list[pa.RecordBatch]]:
    """Each staged file that holds dropped duplicates, written again without them; the dropped
    rows as quarantine batches."""
    out = list(files)
    lost: list[pa.RecordBatch] = []
    q_schema = quarantine_schema(schema) if schema is not None else None
    for index, dropped in sorted(drops.items()):
        staged = files[index]
        table = fmt.read_table(store, staged.key, schema)  # one file: its target size
        gone = np.isin(np.arange(table.num_rows), list(dropped))
        if how.quarantine is not None and q_schema is not None:
            rows = np.flatnonzero(gone).tolist()
            taken = table.take(pa.array(rows))
            columns = {n: taken.column(n).combine_chunks() for n in taken.schema.names}
            lost.append(quarantine_columns(q_schema, columns, [dropped[r] for r in rows]))
        fresh = Part(staged.namespace, staged.key + ".rewrite")
        for batch in table.filter(pa.array(~gone)).to_batches():
            fresh.add(batch)
        if fresh.records:
            fresh.flush_to(store, schema, fmt.encoder(how.row_group_bytes))
            store.move(fresh.key, staged.key)
        out[index] = StagedFile(
            staged.key, staged.namespace, fresh.records, fresh.bytes, fresh.sha256
        )
    return out, lost


def _quarantine(
    store: Store, parts: Sequence[StagedPart], lost: list[pa.RecordBatch], how: Publishing
) -> str | None:
    """Copy the staged quarantine files (and the dropped duplicates, as one more file) to the
    quarantine prefix, replacing those of an earlier write; its URI when rows went there."""
    target = how.quarantine
    if target is None:
        return None
    moves: list[tuple[str, str]] = []
    for part in parts:
        for seq, staged in enumerate(part.quarantine):
            moves.append((staged.key, quarantine_name(part.part, seq)))
    if lost:
        dropped = Part("", f"{parts[0].folder}/_duplicates.parquet.tmp")
        for batch in lost:
            dropped.add(batch)
        dropped.flush_to(store, lost[0].schema, ParquetFormat().encoder(how.row_group_bytes))
        label = parts[0].part if len(parts) == 1 else "duplicates"
        moves.append((dropped.key, quarantine_name(label, len(moves))))
    for key, name in moves:
        store.copy_to(key, target, name)
    target.delete(stale_quarantine(target, {name for _, name in moves}))
    return target.uri if moves else None


def _final_keys(
    parts: Sequence[StagedPart], files: list[StagedFile], suffix: str
) -> list[tuple[StagedFile, str]]:
    """NAMESPACE/part-NNNNN.parquet (or .jsonl, .jsonl.gz: `suffix`) for a plain write;
    part-<part>-NNNNN.parquet for staged parts, numbered per namespace and part in order
    (deterministic names)."""
    final = []
    counts: dict[tuple[str, str], int] = {}
    labels = [p.part for p in parts for _ in p.files]
    for staged, label in zip(files, labels, strict=True):
        if not staged.records:
            continue
        seq = counts.get((staged.namespace, label), 0)
        counts[(staged.namespace, label)] = seq + 1
        name = f"part-{label + '-' if label else ''}{seq:05d}{suffix}"
        final.append((staged, f"{staged.namespace}/{name}"))
    return final


def _manifest_protocol(root: Root, final: list[tuple[StagedFile, str]]) -> list[WrittenFile]:
    """Manifest pending -> moves -> stale objects deleted -> manifest complete: after a crash
    at any point, a re-run of the same write replaces the pending files and completes."""
    store, manifest = root.store, root.manifest
    new_keys = {key for _, key in final}
    written = {staged.namespace for staged, _ in final}
    listed = {o.key for o in root.listing}
    stale_own = {k for k in manifest.pending if k not in new_keys}
    kept = [f for f in manifest.files if f.namespace not in written and f.key not in stale_own]
    entries = tuple(kept) + tuple(
        ManifestFile(key, s.namespace, s.records, s.bytes, s.sha256) for s, key in final
    )
    replaced = {k for name in written for k in root.folders.get(name, [])}
    stale = sorted((replaced | (stale_own & listed)) - new_keys)
    if final or stale or not manifest.complete:
        store.write_text(MANIFEST_KEY, Manifest(entries, tuple(sorted(new_keys))).to_json())
        with ThreadPoolExecutor(MOVE_THREADS, thread_name_prefix="pinecone-prep-publish") as pool:
            list(pool.map(lambda move: store.move(*move), [(s.key, k) for s, k in final]))
        store.delete(stale)
        store.write_text(MANIFEST_KEY, Manifest(entries).to_json())
    uri = store.uri_of
    return [WrittenFile(uri(k), s.namespace, s.records, s.bytes, s.sha256) for s, k in final]

"""The writer's manifest: which files a write put under an import root, and a pure comparison of
a listing of that root with it.

The manifest is `ROOT/_pinecone_prep_manifest.json` (not `.parquet`, so Pinecone ignores it).
It lists every file with its namespace, record count, byte size and the sha256 of its bytes as
written. `pending` names the files of a write that was publishing them: a write that finished
has none, so a non-empty `pending` after a crash marks the output a re-run may replace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from ._layout import PARQUET
from ._storage import StoredObject

MANIFEST_KEY = "_pinecone_prep_manifest.json"
FORMAT = "pinecone-prep-manifest"
VERSION = 1


@dataclass(frozen=True)
class ManifestFile:
    """One published file; `key` is relative to the import root ("NAMESPACE/part-00000.parquet")."""

    key: str
    namespace: str
    records: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    files: tuple[ManifestFile, ...] = ()
    pending: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when the last write finished publishing every file it lists."""
        return not self.pending

    @property
    def namespaces(self) -> dict[str, int]:
        """Records per namespace."""
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.namespace] = counts.get(f.namespace, 0) + f.records
        return counts

    def to_json(self) -> str:
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "files": [asdict(f) for f in self.files],
            "pending": list(self.pending),
        }
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"

    @staticmethod
    def from_json(text: str) -> Manifest:
        """Parse a manifest; ValueError when the text is not one."""
        try:
            doc: Any = orjson.loads(text)
            if doc.get("format") != FORMAT or doc.get("version") != VERSION:
                raise ValueError("not a pinecone-prep manifest (version 1)")
            files = tuple(
                ManifestFile(
                    str(f["key"]),
                    str(f["namespace"]),
                    int(f["records"]),
                    int(f["bytes"]),
                    str(f["sha256"]),
                )
                for f in doc["files"]
            )
            pending = tuple(str(key) for key in doc["pending"])
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError) as exc:
            raise ValueError(f"malformed manifest: {exc}") from None
        return Manifest(files, pending)


@dataclass(frozen=True)
class ManifestDiff:
    """How a listing differs from its manifest. `extra` holds `.parquet` objects only: they are
    what Pinecone would import; other objects are ignored by it."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    size_mismatch: tuple[tuple[str, int, int], ...] = field(default=())  # key, manifest, listed

    @property
    def matches(self) -> bool:
        return not (self.missing or self.extra or self.size_mismatch)


def compare(listing: Sequence[StoredObject], manifest: Manifest) -> ManifestDiff:
    """Compare a listing of an import root (keys relative to it) with the root's manifest."""
    listed = {obj.key: obj.size for obj in listing}
    expected = {f.key: f.bytes for f in manifest.files}
    missing = tuple(sorted(key for key in expected if key not in listed))
    extra = tuple(sorted(key for key in listed if key.endswith(PARQUET) and key not in expected))
    mismatched = tuple(
        (key, size, listed[key])
        for key, size in sorted(expected.items())
        if key in listed and listed[key] != size
    )
    return ManifestDiff(missing, extra, mismatched)

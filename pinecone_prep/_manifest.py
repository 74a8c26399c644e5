"""The writer's manifest: which files a write put under an import root, and a pure comparison of
a listing of that root with it (the checker's F004).

The manifest is `ROOT/_pinecone_prep_manifest.json` (not `.parquet`, so Pinecone ignores it).
It lists every file with its namespace, record count, byte size and the sha256 of its bytes as
written. `pending` names the files of a write that was publishing them: a write that finished
has none, so a non-empty `pending` after a crash marks the output a re-run may replace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import orjson

from ._codes import Severity
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

    @cached_property
    def by_key(self) -> dict[str, ManifestFile]:
        return {f.key: f for f in self.files}

    def records_issue(self, key: str, records: int) -> ManifestIssue | None:
        """F004 when the file at `key` (listed in the manifest) holds another record count."""
        listed = self.by_key.get(key)
        if listed is None or listed.records == records:
            return None
        return ManifestIssue(
            key, f"{records:,} records, the manifest says {listed.records:,}: changed after writing"
        )

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
class ManifestIssue:
    """A way the import root differs from its manifest (code F004), at object `key` ("" for
    the manifest itself)."""

    key: str
    message: str
    severity: Severity = "error"


def compare(listing: Sequence[StoredObject], manifest: Manifest) -> list[ManifestIssue]:
    """Compare a listing of an import root (keys relative to it) with the root's manifest.
    Record counts need the files' footers: see `Manifest.records_issue`."""
    issues = []
    if manifest.pending:
        issues.append(
            ManifestIssue(
                MANIFEST_KEY,
                f"a pinecone-prep write stopped while publishing {len(manifest.pending):,}"
                " file(s): re-run it with the same arguments to finish",
            )
        )
    listed = {obj.key: obj.size for obj in listing}
    for f in manifest.files:
        size = listed.get(f.key)
        if size is None:
            issues.append(
                ManifestIssue(f.key, f"missing: the manifest lists it with {f.records:,} records")
            )
        elif size != f.bytes:
            issues.append(
                ManifestIssue(
                    f.key, f"{size:,} bytes, the manifest says {f.bytes:,}: changed after writing"
                )
            )
    expected = manifest.by_key
    for key in sorted(listed):
        if key.endswith(PARQUET) and key not in expected:
            issues.append(
                ManifestIssue(
                    key,
                    "not written by pinecone-prep (absent from the manifest); Pinecone imports"
                    " it all the same",
                    "warning",
                )
            )
    return issues

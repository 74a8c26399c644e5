"""The writer's manifest: which files a write put under an import root (the checker compares a
root with it: F004, in `_rules/files.py`).

The manifest is `ROOT/_pinecone_prep_manifest.json` (not `.parquet`, so Pinecone ignores it).
It lists every file with its namespace, record count, byte size and the sha256 of its bytes as
written. `pending` names the files of a write that was publishing them: a write that finished
has none, so a non-empty `pending` after a crash marks the output a re-run may replace.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import orjson

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

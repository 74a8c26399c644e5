"""Standard output, in one place: text and JSON documents. A failed write (a full disk, a closed
pipe) is reported as a storage error, never as a traceback."""

from __future__ import annotations

import sys
from typing import Any

import orjson

import pinecone_prep as pp


def emit(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        raise pp.StorageError(f"cannot write to standard output: {exc}") from None


def emit_json(data: Any) -> None:
    """One JSON document on a line (what `--format json` promises for every outcome)."""
    emit(orjson.dumps(data).decode() + "\n")

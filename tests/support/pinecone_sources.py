"""What the Pinecone tests share: import prefixes on a local moto S3 (`start_import` refuses
anything Pinecone cannot read) and the ways to reach the fake API (`tests/support/
fake_pinecone.py`). Import the `s3_sources` fixture by name to use it in a module."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import pytest

import pinecone_prep as pp
from tests.support.cli import storage_args
from tests.support.endpoints import s3_storage_options
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import ImportStep

FIXTURES = Path(__file__).parents[2] / "fixtures"
# 25 dense records of dimension 8: __default__ 4, articles 15, products 6
VALID = FIXTURES / "valid"
# 20 documents of SCHEMA: __default__ 4, articles 10 + 6 (gzip)
VALID_DOCUMENTS = FIXTURES / "valid-documents"
SCHEMA = json.loads((FIXTURES / "documents-schema.json").read_text(encoding="utf-8"))
POLL = 0.01


@dataclass(frozen=True)
class Source:
    uri: str
    storage_options: dict[str, Any]


# Import prefixes uploaded by `s3_sources`, by name: Parquet for a legacy vector index (R001:
# one null id, which only a row scan finds), JSON Lines for a document index of SCHEMA (D007:
# a key twice in one line, which only a line scan finds).
PREFIXES = {
    "valid": VALID,
    "R001": FIXTURES / "cases" / "R001",
    "documents": VALID_DOCUMENTS,
    "D007": FIXTURES / "cases" / "D007",
}


@pytest.fixture(scope="module")
def s3_sources(s3_server: str) -> Iterator[dict[str, Source]]:
    """The `PREFIXES` on S3, uploaded once per module (a bucket costs ~0.3 s)."""
    options = s3_storage_options(s3_server)
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **options)
    bucket = f"pp-import-{uuid.uuid4().hex[:8]}"
    fs.mkdir(bucket)
    sources = {}
    for name, local in PREFIXES.items():
        for path in sorted(local.rglob("*")):
            if path.is_file():
                fs.put_file(str(path), f"{bucket}/{name}/{path.relative_to(local).as_posix()}")
        sources[name] = Source(f"s3://{bucket}/{name}", options)
    yield sources
    fs.rm(bucket, recursive=True)


def access(fake: FakePinecone) -> dict[str, Any]:
    return {"api_key": fake.api_key, "host": fake.url}


def start(fake: FakePinecone, source: Source, **kwargs: Any) -> pp.ImportOutcome:
    options = {"index": "docs", "poll_seconds": POLL, **access(fake), **kwargs}
    return pp.start_import(source.uri, storage_options=source.storage_options, **options)


def script(fake: FakePinecone, source: Source, *steps: ImportStep) -> None:
    fake.state.import_scripts[source.uri] = list(steps)


def trail(fake: FakePinecone) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


def import_argv(fake: FakePinecone, source: Source, *extra: str) -> list[str]:
    return [
        "import",
        source.uri,
        "--index",
        "docs",
        "--pinecone-host",
        fake.url,
        "--poll-seconds",
        "0.01",
        *storage_args(source.storage_options),
        *extra,
    ]


def check_argv(source: Source, *extra: str) -> list[str]:
    return ["check", source.uri, *storage_args(source.storage_options), "--format", "json", *extra]

"""What the Pinecone tests share: import prefixes on a local moto S3 (`start_import` refuses
anything Pinecone cannot read) and the ways to reach the fake API (`tests/support/
fake_pinecone.py`). Import the `s3_sources` fixture by name to use it in a module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import pytest

import pinecone_prep as pp
from tests.support.endpoints import s3_storage_options
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import ImportStep

FIXTURES = Path(__file__).parents[2] / "fixtures"
# 25 dense records of dimension 8: __default__ 4, articles 15, products 6
VALID = FIXTURES / "valid"
POLL = 0.01


@dataclass(frozen=True)
class Source:
    uri: str
    storage_options: dict[str, Any]


@pytest.fixture(scope="module")
def s3_sources(s3_server: str) -> Iterator[dict[str, Source]]:
    """Import prefixes on S3, uploaded once per module (a bucket costs ~0.3 s): `valid`, and
    `R001` (one null id, which only a row scan finds)."""
    options = s3_storage_options(s3_server)
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **options)
    bucket = f"pp-import-{uuid.uuid4().hex[:8]}"
    fs.mkdir(bucket)
    sources = {}
    for name, local in (("valid", VALID), ("R001", FIXTURES / "cases" / "R001")):
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

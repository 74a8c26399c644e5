"""What the engine tests share, engine-neutral: a frame with duplicates planted across its
partitions, JSON Lines prefixes to check, what a root holds (rows and `check` verdict), and a
stage that fails once."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import pinecone_prep as pp
from pinecone_prep import distributed as dist

PARTS = 4
ROWS = 2_000  # 500 per partition
DIM = 8
FIXTURES = Path(__file__).parents[2] / "fixtures"
# Corpus cases with duplicates across files (R005, R014) and defects (F001, F003).
Stage = Callable[..., pp.StagedPart]
DOCUMENT_SCHEMA = FIXTURES / "documents-schema.json"


def document_prefixes(tmp_path: Path) -> list[str]:
    """JSON Lines prefixes (of `DOCUMENT_SCHEMA`): the valid corpus, its lines cut short (D001),
    and the valid corpus with one file twice under another name, so every `_id` in it is
    duplicated across files (R005, found only by merging the tasks' hashes)."""
    twice = tmp_path / "twice"
    shutil.copytree(FIXTURES / "valid-documents", twice)
    shutil.copy(twice / "articles/part-0000.jsonl", twice / "articles/part-0002.jsonl")
    return [str(FIXTURES / "valid-documents"), str(FIXTURES / "cases/D001"), str(twice)]


CHECK_CASES = ["valid", "cases/R005-files", "cases/R014", "cases/F001-truncated", "cases/F003"]


def planted(rows: int = ROWS, parts: int = PARTS) -> pd.DataFrame:
    """Rows in 3 namespaces, metadata as JSON text, vectors as float lists; across the
    partitions of `parts` equal slices: ids repeated in the same namespace (R005), vectors
    repeated under other ids (R014), and one empty id (R002)."""
    rng = np.random.default_rng(7)
    values = rng.random((rows, DIM), dtype=np.float32) + 0.5
    df = pd.DataFrame(
        {
            "id": [f"doc-{i}" for i in range(rows)],
            "values": [v.tolist() for v in values],
            "metadata": [json.dumps({"n": i, "tag": f"t{i % 3}"}) for i in range(rows)],
            "ns": [("a", "b", "c")[i % 3] for i in range(rows)],
        }
    )
    size = rows // parts
    for k in range(5):
        first, again = 3 * k % size, 2 * size + 7 * k % size  # partition 0, again in 2
        df.at[again, "id"], df.at[again, "ns"] = df.at[first, "id"], df.at[first, "ns"]
        first, again = size + 5 * k % size, 3 * size + 11 * k % size  # partition 1, again in 3
        df.at[again, "values"] = list(df.at[first, "values"])
    df.at[size + 1, "id"] = ""
    return df


def stored_rows(uri: str, storage_options: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every published record as (namespace, id, vector bytes, metadata), sorted."""
    fs, path = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    found = []
    for name in sorted(fs.find(path)):
        if not name.endswith(".parquet"):
            continue
        table = pq.read_table(name, filesystem=fs)
        namespace = name[len(path) :].strip("/").split("/")[0]
        values = [np.asarray(v, np.float32).tobytes() for v in table.column("values").to_pylist()]
        ids, meta = table.column("id").to_pylist(), table.column("metadata").to_pylist()
        found += [(namespace, *row) for row in zip(ids, values, meta, strict=True)]
    return sorted(found)


def objects(uri: str, storage_options: dict[str, Any] | None = None) -> list[str]:
    """Every object under `uri` (relative keys), the writer's own included."""
    fs, path = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    fs.invalidate_cache()
    if not fs.exists(path):
        return []
    return sorted(name[len(path) :].strip("/") for name in fs.find(path))


def verdict(uri: str, storage_options: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """What `check` says of a root, without what depends on how rows fall into files."""
    summary = pp.check(uri, storage_options=storage_options, max_examples=None).summary
    spaces = [(n.name, n.kind, n.dimension, n.records) for n in summary.by_namespace]
    return summary.by_code, summary.error_codes, summary.records, spaces


def rejected(result: pp.WriteResult) -> list[tuple[str | None, tuple[str, ...]]]:
    return sorted((row.id, row.codes) for row in result.rejected)


def failing(how: str, marker: Path | None = None, part: str = "00001") -> Stage:
    """A stage that, for `part`, stages its files and then dies: the task raises ("raise") or
    its process exits ("exit"). With a `marker` (a file every worker sees), only the first
    attempt dies; without, every attempt (the job fails). A closure, so that the engines
    pickle it by value: their workers need not import the tests."""

    def stage(data: Any, root: str, **options: Any) -> pp.StagedPart:
        staged = dist.stage(data, root, **options)
        if options["part"] == part and (marker is None or not marker.exists()):
            if marker is not None:
                marker.touch()
            if how == "exit":
                os._exit(1)
            raise RuntimeError(f"partition {part} was lost after staging its files")
        return staged

    return stage

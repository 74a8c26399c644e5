"""Property tests: whatever `write` accepts (pandas, polars, Arrow; chunked or whole; one or
several namespaces) comes out passing `check` with no error and no warning, and reads back as
the same records: ids, float32 vectors, sparse vectors sorted by index, metadata without its
null values."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import orjson
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pinecone_prep as pp
from tests.support.endpoints import s3_storage_options

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A key's first letter fixes its type, so frames built from the dicts infer one type per key.
KEY_VALUES = {
    "s": st.text(max_size=6),
    "i": st.integers(-(2**53), 2**53),
    "f": st.floats(allow_nan=False, allow_infinity=False),
    "b": st.booleans(),
    "l": st.lists(st.text(max_size=3), max_size=3),
}
metadata_docs = st.dictionaries(
    st.sampled_from(["s1", "s2", "i1", "f1", "b1", "l1"]),
    st.none(),  # replaced below by a value of the key's type (or left null: dropped)
    max_size=4,
).flatmap(
    lambda d: st.fixed_dictionaries(
        {k: st.none() | KEY_VALUES[k[0]] for k in d},
    )
)


@dataclass
class Records:
    kind: str
    dim: int
    ids: list[str]
    values: np.ndarray[Any, Any]
    sparse: list[dict[str, list[Any]] | None]
    metadata: list[dict[str, Any]]
    namespaces: list[str] | None

    def expected(self) -> dict[tuple[str, str], dict[str, Any]]:
        out = {}
        for i, record_id in enumerate(self.ids):
            ns = self.namespaces[i] if self.namespaces else "__default__"
            row: dict[str, Any] = {
                "metadata": {k: v for k, v in self.metadata[i].items() if v is not None}
            }
            if self.kind != "sparse":
                row["values"] = self.values[i].tolist()
            if self.kind != "dense":
                sparse = self.sparse[i]
                if sparse is None:
                    row["sparse_values"] = None
                else:  # written sorted by index, each value moved with its index
                    pairs = sorted(zip(sparse["indices"], sparse["values"], strict=True))
                    row["sparse_values"] = {
                        "indices": [i for i, _ in pairs],
                        "values": [v for _, v in pairs],
                    }
            out[(ns, record_id)] = row
        return out


@st.composite
def records(draw: st.DrawFn) -> Records:
    kind = draw(st.sampled_from(["dense", "sparse", "hybrid"]))
    n = draw(st.integers(1, 40))
    dim = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ids = [f"id-{i}-{draw(st.text('abc-_', max_size=3))}" for i in range(n)]
    values = rng.random((n, dim), dtype=np.float32) + 0.5  # non-zero and distinct
    sparse: list[dict[str, list[Any]] | None] = []
    for _ in range(n):
        nnz = int(rng.integers(1, 10))
        indices = rng.choice(2**32 - 1, size=nnz, replace=False).tolist()  # unsorted
        weights = (rng.random(nnz, dtype=np.float32) + 0.1).tolist()
        keep = kind == "sparse" or rng.random() > 0.3
        sparse.append({"indices": indices, "values": weights} if keep else None)
    metadata = [draw(metadata_docs) for _ in range(n)]
    namespaces = draw(
        st.none() | st.lists(st.sampled_from(["a", "b", "c-1"]), min_size=n, max_size=n)
    )
    return Records(kind, dim, ids, values, sparse, metadata, namespaces)


def as_pandas(recs: Records) -> pd.DataFrame:
    cols: dict[str, Any] = {"id": recs.ids, "metadata": recs.metadata}
    if recs.kind != "sparse":
        cols["values"] = list(recs.values)  # a numpy array per row
    if recs.kind != "dense":
        cols["sparse_values"] = recs.sparse
    if recs.namespaces:
        cols["ns"] = recs.namespaces
    return pd.DataFrame(cols)


def as_polars(recs: Records) -> pl.DataFrame:
    cols: dict[str, Any] = {
        "id": recs.ids,
        # JSON text is taken as it is (a null in it would be R034): written without nulls.
        "metadata": [
            orjson.dumps({k: v for k, v in d.items() if v is not None}).decode()
            for d in recs.metadata
        ],
    }
    if recs.kind != "sparse":
        cols["values"] = pl.Series(recs.values)  # Array(Float32, dim)
    if recs.kind != "dense":
        cols["sparse_values"] = pl.Series(
            recs.sparse,
            dtype=pl.Struct({"indices": pl.List(pl.UInt32), "values": pl.List(pl.Float32)}),
        )
    if recs.namespaces:
        cols["ns"] = recs.namespaces
    return pl.DataFrame(cols)


def as_arrow(recs: Records) -> pa.Table:
    cols: dict[str, Any] = {"id": pa.array(recs.ids)}
    if recs.kind != "sparse":
        cols["values"] = pa.FixedSizeListArray.from_arrays(
            pa.array(recs.values.ravel()), recs.dim
        ).cast(pa.large_list(pa.float64()))
    if recs.kind != "dense":
        cols["sparse_values"] = pa.array(recs.sparse)  # struct<list<int64>, list<double>>
    if any(recs.metadata):
        cols["metadata"] = pa.array(recs.metadata)  # a struct: missing keys become nulls
    if recs.namespaces:
        cols["ns"] = pa.array(recs.namespaces)
    return pa.table(cols)


BUILDERS = {"pandas": as_pandas, "polars": as_polars, "arrow": as_arrow}


def read_back(fs: Any, root: str) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for path in sorted(fs.find(root)):
        if not path.endswith(".parquet"):
            continue
        with fs.open(path, "rb") as handle:
            rows = pq.read_table(handle).to_pylist()
        for row in rows:
            record_id = row.pop("id")
            row["metadata"] = orjson.loads(row["metadata"]) if row.get("metadata") else {}
            out[(path.rsplit("/", 2)[-2], record_id)] = row
    return out


def round_trip(
    recs: Records,
    builder: str,
    pieces: int,
    row_group_bytes: int,
    root: str,
    storage_options: dict[str, Any] | None = None,
) -> None:
    """Write `recs` built by `builder` (in `pieces` chunks) to `root`; check and read back."""
    data = BUILDERS[builder](recs)
    step = -(-len(recs.ids) // pieces)
    parts = [data[i : i + step] for i in range(0, len(recs.ids), step)]
    result = pp.write(
        parts if pieces > 1 else data,
        root,
        namespace_column="ns" if recs.namespaces else None,
        row_group_bytes=row_group_bytes,
        target_file_bytes=4 * row_group_bytes,
        storage_options=storage_options,
    )
    assert result.rejected == [] and result.records == len(recs.ids)
    report = pp.check(root, max_examples=None, storage_options=storage_options)
    # L009 says a local path cannot be imported from: true, and not the writer's doing.
    noisy = [f for f in report.findings if f.severity != "info" and f.code != "L009"]
    assert noisy == []
    assert report.summary.records == len(recs.ids)
    fs, path = fsspec.core.url_to_fs(root, **(storage_options or {}))
    fs.invalidate_cache()
    back = read_back(fs, path)
    expected = recs.expected()
    assert back.keys() == expected.keys()
    for key, row in expected.items():
        got = back[key]
        assert got["metadata"] == row["metadata"]
        if "values" in row:
            assert np.array_equal(
                np.asarray(got["values"], np.float32), np.asarray(row["values"], np.float32)
            )
        if "sparse_values" in row:
            want = row["sparse_values"]
            if want is None:
                assert got["sparse_values"] is None
            else:
                assert got["sparse_values"]["indices"] == want["indices"]
                assert np.array_equal(
                    np.asarray(got["sparse_values"]["values"], np.float32),
                    np.asarray(want["values"], np.float32),
                )


INPUTS = (records(), st.sampled_from(sorted(BUILDERS)), st.integers(1, 4), st.integers(200, 5000))


@SETTINGS
@given(*INPUTS)
def test_round_trip(recs: Records, builder: str, pieces: int, row_group_bytes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        round_trip(recs, builder, pieces, row_group_bytes, str(Path(tmp) / "out"))


@pytest.fixture(scope="module")
def s3_bucket(s3_server: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """One bucket for all examples (each writes under its own prefix)."""
    options = s3_storage_options(s3_server)
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **options)
    bucket = f"pp-{uuid.uuid4().hex[:12]}"
    fs.mkdir(bucket)
    yield bucket, options
    fs.rm(bucket, recursive=True)


@settings(SETTINGS, max_examples=10)
@given(*INPUTS)
def test_round_trip_on_s3(
    s3_bucket: tuple[str, dict[str, Any]],
    recs: Records,
    builder: str,
    pieces: int,
    row_group_bytes: int,
) -> None:
    bucket, options = s3_bucket
    root = f"s3://{bucket}/{uuid.uuid4().hex[:8]}/import"
    round_trip(recs, builder, pieces, row_group_bytes, root, options)

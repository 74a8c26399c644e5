"""Property tests: random valid prefixes pass; one injected defect yields exactly its code at
its row (and nothing else)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pinecone_prep as pp

SPARSE_TYPE = pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(pa.float32()))])


@dataclass
class Records:
    """Plain-Python records of one namespace, easy to corrupt one cell at a time."""

    kind: str
    dim: int
    ids: list[Any]
    values: list[Any]
    sparse: list[Any]
    metadata: list[Any]

    def table(self) -> pa.Table:
        cols: dict[str, pa.Array] = {"id": pa.array(self.ids, pa.string())}
        if self.kind != "sparse":
            cols["values"] = pa.array(self.values, pa.list_(pa.float32()))
        if self.kind != "dense":
            cols["sparse_values"] = pa.array(self.sparse, SPARSE_TYPE)
        cols["metadata"] = pa.array(self.metadata, pa.string())
        return pa.table(cols)


json_scalars = st.one_of(
    st.text(max_size=8),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.lists(st.text(max_size=4), max_size=3),
)
metadata_docs = st.none() | st.dictionaries(
    st.text(min_size=1, max_size=6).filter(lambda k: not k.startswith("$")),
    json_scalars,
    max_size=4,
).map(lambda d: orjson.dumps(d).decode())


@st.composite
def records(draw: st.DrawFn) -> Records:
    kind = draw(st.sampled_from(["dense", "sparse", "hybrid"]))
    n = draw(st.integers(2, 40))
    dim = draw(st.integers(1, 16))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    ids = [f"id-{i}-{draw(st.text('abcxyz-_', max_size=4))}" for i in range(n)]
    # Offsets in (0.5, 1.5) keep every vector non-zero and distinct.
    values = (rng.random((n, dim), dtype=np.float32) + 0.5).tolist()
    sparse = []
    for _ in range(n):
        nnz = int(rng.integers(1, 12))
        indices = np.sort(rng.choice(2**32 - 1, size=nnz, replace=False)).tolist()
        sparse.append({"indices": indices, "values": (rng.random(nnz) + 0.1).tolist()})
    if kind == "hybrid":
        sparse = [s if rng.random() > 0.3 else None for s in sparse]
    metadata = [draw(metadata_docs) for _ in range(n)]
    return Records(kind, dim, ids, values, sparse, metadata)


def write_and_check(recs: Records, row_group_size: int) -> pp.Report:
    with tempfile.TemporaryDirectory() as tmp:
        ns = Path(tmp) / "ns"
        ns.mkdir()
        pq.write_table(recs.table(), ns / "part-0.parquet", row_group_size=row_group_size)
        dimension = recs.dim if recs.kind != "sparse" else None
        return pp.check(tmp, dimension=dimension, max_examples=None)


def problems(report: pp.Report) -> list[pp.Finding]:
    return [f for f in report.findings if f.severity != "info" and f.code != "L009"]


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(records(), st.integers(1, 16))
def test_valid_records_pass(recs: Records, row_group_size: int) -> None:
    report = write_and_check(recs, row_group_size)
    assert problems(report) == []
    assert report.summary.records == len(recs.ids)


Defect = Callable[[Records, int], None]


def _set(column: str, value: Any) -> Defect:
    def apply(recs: Records, row: int) -> None:
        getattr(recs, column)[row] = value

    return apply


def _copy_from_first(column: str) -> Defect:
    def apply(recs: Records, row: int) -> None:
        getattr(recs, column)[row] = getattr(recs, column)[0]

    return apply


def _dense(fn: Callable[[int], Any]) -> Defect:
    def apply(recs: Records, row: int) -> None:
        recs.values[row] = fn(recs.dim)

    return apply


# code -> (kinds it applies to, defect, the row is > 0 because the defect refers to row 0)
DEFECTS: dict[str, tuple[tuple[str, ...], Defect, bool]] = {
    "R001": (("dense", "sparse", "hybrid"), _set("ids", None), False),
    "R002": (("dense", "sparse", "hybrid"), _set("ids", ""), False),
    "R003": (("dense", "sparse", "hybrid"), _set("ids", "x" * 513), False),
    "R004": (("dense", "sparse", "hybrid"), _set("ids", "é"), False),
    "R005": (("dense", "sparse", "hybrid"), _copy_from_first("ids"), True),
    "R010": (("dense", "hybrid"), _set("values", None), False),
    "R011": (("dense", "hybrid"), _dense(lambda d: [1.0] * (d + 1)), False),
    "R012": (("dense", "hybrid"), _dense(lambda d: [float("nan")] * d), False),
    "R013": (("dense", "hybrid"), _dense(lambda d: [0.0] * d), False),
    "R014": (("dense", "hybrid"), _copy_from_first("values"), True),
    "R020": (("sparse",), _set("sparse", None), False),
    "R021": (("sparse", "hybrid"), _set("sparse", {"indices": [1, 2], "values": [1.0]}), False),
    "R022": (("sparse", "hybrid"), _set("sparse", {"indices": [], "values": []}), False),
    "R024": (("sparse", "hybrid"), _set("sparse", {"indices": [5, 5], "values": [1, 2]}), False),
    "R025": (
        ("sparse", "hybrid"),
        _set("sparse", {"indices": list(range(2049)), "values": [1.0] * 2049}),
        False,
    ),
    "R026": (
        ("sparse", "hybrid"),
        _set("sparse", {"indices": [1], "values": [float("inf")]}),
        False,
    ),
    "R030": (("dense", "sparse", "hybrid"), _set("metadata", "{oops"), False),
    "R031": (("dense", "sparse", "hybrid"), _set("metadata", "[1]"), False),
    "R032": (
        ("dense", "sparse", "hybrid"),
        _set("metadata", '{"t": "' + "x" * 41_000 + '"}'),
        False,
    ),
    "R033": (("dense", "sparse", "hybrid"), _set("metadata", '{"a": {"b": 1}}'), False),
    "R034": (("dense", "sparse", "hybrid"), _set("metadata", '{"a": null}'), False),
    "R035": (("dense", "sparse", "hybrid"), _set("metadata", '{"a": [1]}'), False),
    "R036": (("dense", "sparse", "hybrid"), _set("metadata", '{"$a": 1}'), False),
    "R037": (("dense", "sparse", "hybrid"), _set("metadata", '{"a": 36028797018963968}'), False),
    "R038": (("dense", "sparse", "hybrid"), _set("metadata", '{"a": NaN}'), False),
}


@SETTINGS
@given(records(), st.integers(1, 16), st.sampled_from(sorted(DEFECTS)), st.data())
def test_one_defect_is_found_exactly_where_it_is(
    recs: Records, row_group_size: int, code: str, data: st.DataObject
) -> None:
    kinds, defect, after_first = DEFECTS[code]
    if recs.kind not in kinds:
        recs.kind = kinds[0]
        if recs.kind == "sparse":
            recs.sparse = [s or {"indices": [1], "values": [1.0]} for s in recs.sparse]
    row = data.draw(st.integers(1 if after_first else 0, len(recs.ids) - 1))
    defect(recs, row)
    report = write_and_check(recs, row_group_size)
    found = problems(report)
    assert [(f.code, f.location.row) for f in found] == [(code, row)], found
    assert found[0].location.row_group == row // row_group_size
    if code not in ("R001",):
        assert found[0].location.id == (recs.ids[row] if code not in ("R002",) else "")

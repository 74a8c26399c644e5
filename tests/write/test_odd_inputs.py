"""Inputs users really have: empty frames, numpy scalars and strings, tuples, NaT, enums,
paths, record dicts, vectors as text in odd formats, a None inside a vector."""

from __future__ import annotations

import datetime
import enum
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp
from tests.support.writing import clean, frame, read_back, vectors


class Size(enum.IntEnum):
    HUGE = 2**60


def metadata_of(root: Path) -> list[dict[str, object]]:
    return [orjson.loads(m) for m in read_back(root).column("metadata").to_pylist()]


@pytest.mark.parametrize(
    "empty",
    [
        pd.DataFrame({"id": [], "values": []}),
        [],
        pa.table({"id": pa.array([], pa.string()), "values": pa.array([], pa.list_(pa.float32()))}),
    ],
    ids=["pandas", "list", "arrow"],
)
def test_nothing_to_write_is_a_clean_empty_result(tmp_path: Path, empty: object) -> None:
    result = pp.write(empty, tmp_path / "out")
    assert result.records == 0 and result.files == [] and result.rejected == []
    assert list((tmp_path).rglob("*.parquet")) == []


def test_empty_inputs_from_files(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text("id,values\n")
    pq.write_table(pa.table({"id": pa.array([], pa.string())}), tmp_path / "zero.parquet")
    for name in ("header.csv", "zero.parquet"):
        assert pp.write(tmp_path / name, tmp_path / f"out-{name[:4]}").records == 0


def test_numpy_values_tuples_nat_and_enums_in_metadata(tmp_path: Path) -> None:
    tags = np.array(["a", "b", "c"])
    df = pd.DataFrame(
        {
            "id": ["r0", "r1", "r2", "r3"],
            "values": list(vectors(4)),
            "metadata": [
                {"tags": list(tags[[0, 1]]), "n": np.int32(3), "f": np.float32(0.5)},
                {"pair": ("x", "y"), "when": pd.NaT, "none": None},
                {"numbers": (1, 2)},  # a tuple of numbers is a list of numbers: R035
                {"size": Size.HUGE},  # an IntEnum is an int: beyond 2^53, R037
            ],
        }
    )
    result = pp.write(df, tmp_path / "out", on_invalid="skip")
    assert [(r.row, r.codes) for r in result.rejected] == [(2, ("R035",)), (3, ("R037",))]
    assert metadata_of(tmp_path / "out") == [
        {"tags": ["a", "b"], "n": 3, "f": 0.5},
        {"pair": ["x", "y"]},  # NaT and None drop their keys
    ]
    clean(tmp_path / "out")


def test_record_dicts_the_shape_of_an_upsert(tmp_path: Path) -> None:
    records = [
        {"id": "a", "values": [0.1, 0.2], "metadata": {"genre": "x"}},
        {"id": "b", "values": np.array([0.3, 0.4]), "extra": 1},
    ]
    result = pp.write(records, tmp_path / "out")
    assert result.records == 2 and result.ignored_columns == ("extra",)
    assert read_back(tmp_path / "out").column("id").to_pylist() == ["a", "b"]


def test_columns_left_out_are_named(tmp_path: Path) -> None:
    df = frame(3)
    df["genre"] = ["x", "y", "z"]
    result = pp.write(df, tmp_path / "out")
    assert result.ignored_columns == ("genre",)
    with pytest.raises(pp.UsageError, match=r"columns: 'id', 'vec'.*values_column="):
        pp.write(pd.DataFrame({"id": ["a"], "vec": [[1.0]]}), tmp_path / "other")


def test_a_bad_cell_rejects_its_row_not_the_call(tmp_path: Path) -> None:
    df = pd.DataFrame({"id": ["a", "b", "c"], "values": [[0.1, 0.2], [0.3, None], [0.5, 0.6]]})
    result = pp.write(df, tmp_path / "out", on_invalid="skip")
    assert [(r.row, r.codes) for r in result.rejected] == [(1, ("R012",))]
    assert result.records == 2


def test_vectors_as_text_in_numpy_and_semicolon_formats(tmp_path: Path) -> None:
    csv = tmp_path / "in.csv"
    csv.write_text('id,values\na,"[0.1 0.2]"\nb,0.3;0.4\nc,"[0.5, abc]"\nd,"[nan, 1]"\n')
    result = pp.write(csv, tmp_path / "out", on_invalid="skip")
    written = read_back(tmp_path / "out").column("values").to_pylist()
    np.testing.assert_allclose(written, [[0.1, 0.2], [0.3, 0.4]], rtol=1e-6)
    why = {r.id: (r.codes, r.findings[0].message) for r in result.rejected}
    assert why["c"][0] == ("R012",) and "cannot parse this vector: 'abc'" in why["c"][1]
    assert why["d"][0] == ("R012",) and "NaN" in why["d"][1]


def test_paths_are_accepted_everywhere(tmp_path: Path) -> None:
    pp.write(frame(3), tmp_path / "out")
    assert pp.check(tmp_path / "out").valid
    assert pp.plan(tmp_path / "out").valid
    assert pp.is_valid(tmp_path / "out")
    assert pp.write(tmp_path / "out" / "__default__", tmp_path / "again").records == 3


def test_empty_vectors_are_rejected(tmp_path: Path) -> None:
    df = pd.DataFrame({"id": ["a", "b"], "values": [[], [0.5]]})
    result = pp.write(df, tmp_path / "out", on_invalid="skip")
    assert [(r.row, r.codes) for r in result.rejected] == [(0, ("R011",))]


def test_a_quarantine_inside_the_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(pp.UsageError, match="inside the import root"):
        pp.write(
            frame(3), tmp_path / "out", on_invalid="quarantine", quarantine_uri=tmp_path / "out/q"
        )


def test_materialize_into_the_planned_prefix_is_refused(tmp_path: Path) -> None:
    pp.write(frame(3), tmp_path / "out")
    plan = pp.plan(tmp_path / "out")
    with pytest.raises(pp.UsageError, match="inside the planned prefix"):
        pp.materialize(plan, tmp_path / "out" / "requests")


def test_dates_in_metadata_columns(tmp_path: Path) -> None:
    df = frame(2)
    df["day"] = [datetime.date(2024, 1, 2), None]
    pp.write(df, tmp_path / "out", metadata_column=None, metadata_columns=["day"])
    assert metadata_of(tmp_path / "out") == [{"day": "2024-01-02"}, {}]

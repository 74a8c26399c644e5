"""`pinecone-prep convert`: each input format, several inputs and prefixes, the column options,
each --on-invalid policy, JSON output, and the exit codes for usage and storage errors."""

from __future__ import annotations

import csv
import json
import socket
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support.cli import run
from tests.support.writing import clean, parquet_files, read_back

ROWS: list[dict[str, Any]] = [
    {"id": "007", "values": [0.1, 0.2, 0.3], "metadata": {"genre": "rock", "year": 1999}},
    {"id": "010", "values": [0.4, -0.5, 0.6], "metadata": {"genre": "jazz"}},
    {"id": "2", "values": [1.5, 2.0, -3.25], "metadata": {"year": 2001}},
    {"id": "30", "values": [-1e-3, 7.0, 0.125], "metadata": {"genre": "pop", "year": 1}},
]
OUTPUT_SCHEMA = pa.schema(
    [("id", pa.string()), ("values", pa.list_(pa.float32())), ("metadata", pa.string())]
)


def write_input(path: Path, rows: list[dict[str, Any]]) -> Path:
    """`rows` as a Parquet, JSON Lines or CSV file (by suffix). In CSV, vectors and metadata
    are text ("[0.1, 0.2]", JSON) and None an empty cell."""
    if path.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(rows), path)
    elif path.suffix == ".jsonl":
        path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    else:
        names = list(dict.fromkeys(name for row in rows for name in row))
        with path.open("w", newline="") as handle:
            out = csv.DictWriter(handle, names)
            out.writeheader()
            for row in rows:
                out.writerow(
                    {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()}
                )
    return path


def records(root: Path) -> list[tuple[str, list[float], Any]]:
    """(id, float32 vector, metadata dict) of every record under `root`, in file order."""
    table = read_back(root)
    assert table.schema == OUTPUT_SCHEMA
    metadata = [None if m is None else orjson.loads(m) for m in table["metadata"].to_pylist()]
    return list(zip(table["id"].to_pylist(), table["values"].to_pylist(), metadata, strict=True))


def expected(rows: list[dict[str, Any]]) -> list[tuple[str, list[float], Any]]:
    """What the writer should store: float32 vectors, metadata without null values."""
    return [
        (
            row["id"],
            np.asarray(row["values"], np.float32).tolist(),
            {k: v for k, v in row["metadata"].items() if v is not None},
        )
        for row in rows
    ]


def relative(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in parquet_files(root)]


# --- inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv"])
def test_each_format_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    source = write_input(tmp_path / f"in{suffix}", ROWS)
    root = tmp_path / "out"
    code, out, err = run(capsys, "convert", str(source), "--to", str(root), "--namespace", "ns")
    assert code == 0, err
    assert err == ""
    assert "4 records in 1 file(s), 0 row(s) rejected" in out
    assert relative(root) == ["ns/part-00000.parquet"]
    report = clean(root)  # no error, no warning but L009 (a local path)
    assert report.valid and report.summary.records == 4
    assert report.summary.by_severity == {"error": 0, "warning": 1, "info": 1}
    assert report.summary.by_code == {"L006": 1, "L009": 1}  # L006: the manifest
    assert records(root) == expected(ROWS)  # "007", "010" stay text, even from CSV


def test_several_inputs_and_a_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    (data / "more").mkdir(parents=True)
    inputs = [
        write_input(data / "a.parquet", ROWS[:1]),
        write_input(data / "b.jsonl", ROWS[1:2]),
        write_input(data / "more" / "c.csv", ROWS[2:]),
    ]
    (data / "README.txt").write_text("not an input")  # ignored under a prefix
    code, _, err = run(capsys, "convert", *map(str, inputs), "--to", str(tmp_path / "files"))
    assert code == 0, err
    assert relative(tmp_path / "files") == ["__default__/part-00000.parquet"]
    assert records(tmp_path / "files") == expected(ROWS)  # in the order given
    clean(tmp_path / "files")

    code, out, err = run(capsys, "convert", str(data), "--to", str(tmp_path / "prefix"))
    assert code == 0, err
    assert "4 records in 1 file(s)" in out
    assert sorted(records(tmp_path / "prefix")) == sorted(expected(ROWS))
    clean(tmp_path / "prefix")


def test_metadata_from_named_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows: list[dict[str, Any]] = [
        {"id": "1", "values": [1, 2], "genre": "rock", "year": 1999, "tag": "x", "metadata": "{}"},
        {"id": "2", "values": [1, 3], "genre": None, "year": 2001, "tag": "y", "metadata": "{}"},
        {"id": "3", "values": [1, 4], "genre": "jazz", "year": None, "tag": "z", "metadata": "{}"},
    ]
    source = write_input(tmp_path / "in.csv", rows)
    root = str(tmp_path / "out")
    argv = ["convert", str(source), "--to", root, "--metadata-columns", "genre, year"]
    # The input's own `metadata` column conflicts with the named columns: say which to use.
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert "has a 'metadata' column" in err and "Traceback" not in err
    assert parquet_files(tmp_path / "out") == []

    code, _, err = run(capsys, *argv, "--metadata-column", "")
    assert code == 0, err
    assert [m for _, _, m in records(tmp_path / "out")] == [
        {"genre": "rock", "year": 1999},
        {"year": 2001},  # null cells leave their key out
        {"genre": "jazz"},
    ]
    clean(root)


def test_namespace_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{**row, "ns": ns} for row, ns in zip(ROWS, ["01", "02", "01", None], strict=True)]
    source = write_input(tmp_path / "in.csv", rows)
    root = tmp_path / "out"
    code, out, err = run(
        capsys,
        *("convert", str(source), "--to", str(root), "--namespace-column", "ns"),
        *("--on-invalid", "skip", "--format", "json"),
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["namespaces"] == {"01": 2, "02": 1}  # "01" stays text, like ids
    assert relative(root) == ["01/part-00000.parquet", "02/part-00000.parquet"]
    assert [pq.read_table(p)["id"].to_pylist() for p in parquet_files(root)] == [
        ["007", "2"],
        ["010"],
    ]
    [rejected] = result["rejected"]  # the row without a namespace
    assert rejected["id"] == "30" and rejected["row"] == 3
    assert [f["code"] for f in rejected["findings"]] == ["L005"]
    clean(root)


# --- invalid rows --------------------------------------------------------------------------

BAD_ROWS: list[dict[str, Any]] = [
    ROWS[0],
    {"id": "zero", "values": [0.0, 0.0, 0.0], "metadata": {"k": 1}},  # R013
    {"id": "", "values": [1.0, 1.0, 1.0], "metadata": {"k": 2}},  # R002
    ROWS[1],
    {"id": "007", "values": [9.0, 9.0, 9.0], "metadata": {"k": 3}},  # R005, after the first
]
BAD_CODES = {"zero": ["R013"], "": ["R002"], "007": ["R005"]}


def test_invalid_rows_fail_by_default_and_publish_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_input(tmp_path / "in.jsonl", BAD_ROWS)
    root = tmp_path / "out"
    code, out, err = run(capsys, "convert", str(source), "--to", str(root))
    assert code == 1
    assert "R013 error" in out and "R002 error" in out and "R005 error" in out
    assert "3 row(s) rejected" in err and "nothing was published" in err
    assert list(tmp_path.rglob("*.parquet")) == []

    code, out, err = run(capsys, "convert", str(source), "--to", str(root), "--format", "json")
    assert code == 1 and "nothing was published" in err
    report = json.loads(out)  # stdout is the report and nothing else
    assert set(report) == {"valid", "summary", "findings"}
    assert report["valid"] is False
    assert report["summary"]["rows_rejected"] == 3
    assert report["summary"]["by_code"] == {"R002": 1, "R005": 1, "R013": 1}
    assert sorted(f["location"]["row"] for f in report["findings"]) == [1, 2, 4]
    assert list(tmp_path.rglob("*.parquet")) == []


def test_identical_vectors_are_rejected_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R014 is a warning in `check`, but the writer's output must pass with none."""
    rows = [ROWS[0], {**ROWS[1], "values": ROWS[0]["values"]}]
    source = write_input(tmp_path / "in.parquet", rows)
    code, out, _ = run(
        capsys, "convert", str(source), "--to", str(tmp_path / "out"), "--format", "json"
    )
    assert code == 1
    assert json.loads(out)["summary"]["by_code"] == {"R014": 1}
    assert parquet_files(tmp_path / "out") == []


def test_skip_leaves_bad_rows_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_input(tmp_path / "in.jsonl", BAD_ROWS)
    root = tmp_path / "out"
    code, out, err = run(capsys, "convert", str(source), "--to", str(root), "--on-invalid", "skip")
    assert code == 0, err
    for bad in ("R002 x1 rejected", "R005 x1 rejected", "R013 x1 rejected"):
        assert bad in out
    assert "2 records in 1 file(s), 3 row(s) rejected" in out
    assert "written to" not in out  # no quarantine
    assert records(root) == expected([ROWS[0], ROWS[1]])
    assert not (tmp_path / "out.quarantine").exists()
    clean(root)

    code, out, err = run(
        capsys,
        *("convert", str(source), "--to", str(tmp_path / "json")),
        *("--on-invalid", "skip", "--format", "json"),
    )
    assert code == 0, err
    result = json.loads(out)
    assert {"root", "records", "files", "rejected"} <= set(result)
    assert result["root"] == str(tmp_path / "json") and result["records"] == 2
    [written] = result["files"]
    assert Path(written["uri"]).is_file() and written["records"] == 2
    assert {r["id"]: [f["code"] for f in r["findings"]] for r in result["rejected"]} == BAD_CODES
    assert result["quarantine"] is None


def test_nothing_written_is_a_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_input(tmp_path / "in.jsonl", BAD_ROWS[1:3])  # every row breaks a rule
    root = tmp_path / "out"
    code, out, err = run(capsys, "convert", str(source), "--to", str(root), "--on-invalid", "skip")
    assert code == 1 and "nothing written" in err
    assert "0 records in 0 file(s), 2 row(s) rejected" in out


def test_an_import_root_converts_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The writer's manifest under a root is not an input (it ends in .json)."""
    first = tmp_path / "first"
    source = write_input(tmp_path / "in.parquet", ROWS)
    assert run(capsys, "convert", str(source), "--to", str(first), "--namespace", "a")[0] == 0
    code, _, err = run(capsys, "convert", str(first), "--to", str(tmp_path / "second"))
    assert code == 0, err
    assert records(tmp_path / "second") == expected(ROWS)


def test_quarantine_keeps_bad_rows_with_their_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_input(tmp_path / "in.jsonl", BAD_ROWS)
    root = tmp_path / "out"
    code, out, err = run(
        capsys, "convert", str(source), "--to", str(root), "--on-invalid", "quarantine"
    )
    assert code == 0, err
    assert f"rejected rows written to {tmp_path / 'out.quarantine'}" in out
    quarantine = sorted((tmp_path / "out.quarantine").glob("rejected-*.parquet"))
    assert records(root) == expected([ROWS[0], ROWS[1]])
    clean(root)  # the quarantine is outside the root

    table = pa.concat_tables(pq.read_table(q) for q in quarantine)
    rejected = {row["id"]: row for row in table.to_pylist()}
    assert {k: row["codes"] for k, row in rejected.items()} == BAD_CODES
    assert {k: row["row"] for k, row in rejected.items()} == {"zero": 1, "": 2, "007": 4}
    assert {row["source"] for row in rejected.values()} == {str(source)}
    assert rejected["zero"]["values"] == [0.0, 0.0, 0.0]
    assert orjson.loads(rejected["007"]["metadata"]) == {"k": 3}
    assert all(row["messages"] for row in rejected.values())


# --- usage and storage errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no input files at"),
        ("extension", "unknown input format"),
        ("both-namespaces", "not allowed with argument --namespace"),
        ("quarantine-to", "needs on_invalid"),
        ("no-id", "no id column 'key'"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, message: str
) -> None:
    good = str(write_input(tmp_path / "in.jsonl", ROWS))
    (tmp_path / "in.txt").write_text("id,values\n")
    argv = {
        "missing": [str(tmp_path / "nope.csv")],
        "extension": [str(tmp_path / "in.txt")],
        "both-namespaces": [good, "--namespace", "a", "--namespace-column", "ns"],
        "quarantine-to": [good, "--on-invalid", "skip", "--quarantine-to", str(tmp_path / "q")],
        "no-id": [good, "--id-column", "key"],
    }[case]
    code, out, err = run(capsys, "convert", *argv, "--to", str(tmp_path / "out"))
    assert code == 2
    assert message in err and "Traceback" not in err and "internal error" not in err
    assert out == ""
    assert list(tmp_path.rglob("*.parquet")) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cut.jsonl", b'{"id": "a", "values": [1, 2]}\n{"id": "b", "values": [1, 2\n'),
        ("ragged.csv", b'id,values\na,"[1, 2]"\nb,"[1, 2]",extra\n'),
        ("empty.csv", b""),
        ("text.parquet", b"id,values\n"),
    ],
)
def test_unreadable_input_is_data_f001(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes
) -> None:
    good = write_input(tmp_path / "good.jsonl", ROWS)
    bad = tmp_path / name
    bad.write_bytes(content)
    argv = ("convert", str(good), str(bad), "--to", str(tmp_path / "out"), "--format", "json")
    code, out, err = run(capsys, *argv)
    assert code == 1 and "Traceback" not in err
    [item] = json.loads(out)["findings"]
    assert item["code"] == "F001" and item["location"]["uri"] == str(bad)
    assert list(tmp_path.rglob("*.parquet")) == [bad] * name.endswith(".parquet")


def test_non_empty_namespace_needs_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write_input(tmp_path / "first.jsonl", ROWS[:2])
    second = write_input(tmp_path / "second.csv", ROWS[2:])
    root = str(tmp_path / "out")
    assert run(capsys, "convert", str(first), "--to", root, "--namespace", "ns")[0] == 0

    code, out, err = run(
        capsys, "convert", str(second), "--to", root, "--namespace", "ns", "--format", "json"
    )
    assert code == 2 and orjson.loads(out)["error"]["kind"] == "usage"  # --format json: JSON
    assert "is not empty" in err and "--overwrite" in err and "Traceback" not in err
    assert records(tmp_path / "out") == expected(ROWS[:2])  # untouched

    argv = ["convert", str(second), "--to", root, "--namespace", "ns", "--overwrite"]
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert relative(tmp_path / "out") == ["ns/part-00000.parquet"]
    assert records(tmp_path / "out") == expected(ROWS[2:])  # replaced, not appended
    clean(root)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("where", ["root", "input"])
def test_unreachable_store_exits_3_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    local = str(write_input(tmp_path / "in.jsonl", ROWS))
    uri = "s3://bucket/prefix" if where == "root" else "s3://bucket/in.parquet"
    source, root = (local, uri) if where == "root" else (uri, str(tmp_path / "out"))
    # One set of --storage-option serves the root and the inputs alike.
    code, out, err = run(
        capsys,
        *("convert", source, "--to", root, "--format", "json"),
        *("--storage-option", f"endpoint_url=http://127.0.0.1:{_closed_port()}"),
        *("--storage-option", "key=KEYID4242"),
        *("--storage-option", "secret=SHHH"),
        *("--storage-option", 'config_kwargs={"retries": {"max_attempts": 1}}'),
    )
    assert code == 3
    assert "cannot reach the storage endpoint 127.0.0.1" in err and "Traceback" not in err
    if where == "root":
        assert uri in err
    error = orjson.loads(out)["error"]  # --format json: the error as JSON on stdout
    assert error["kind"] == "storage" and error["exit_code"] == 3
    assert "SHHH" not in out + err and "KEYID4242" not in out + err
    assert list(tmp_path.rglob("*.parquet")) == []

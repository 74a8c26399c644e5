"""Document indexes on the command line: `check --schema FILE` and `convert --file-format jsonl
--schema FILE [--gzip]`, their exit codes, and the usage error for JSON Lines without a
schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "fixtures" / "documents-schema.json"
ROWS = [
    {"id": "a", "values": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], "body": "first", "year": 1},
    {"id": "b", "values": [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1], "body": "second", "year": 2},
]


def test_check_with_a_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "check", str(REPO / "fixtures/valid-documents"), "--schema", str(SCHEMA)
    )
    assert code == 0 and "VALID" in out and "document (schema)" in out
    bad = REPO / "fixtures/cases/D007"
    code, out, _ = run(capsys, "check", str(bad), "--schema", str(SCHEMA), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["summary"]["by_code"]["D007"] == 1
    assert report["findings"][-1]["location"]["row"] == 4


def test_json_lines_without_a_schema_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", str(REPO / "fixtures/valid-documents"))
    assert code == 2 and "--schema FILE" in err
    code, _, err = run(capsys, "check", str(REPO / "fixtures/valid"), "--schema", "nowhere.json")
    assert code == 2 and "cannot read the schema file" in err


def test_convert_to_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    root = tmp_path / "out"
    code, _, err = run(
        capsys,
        "convert",
        str(source),
        "--to",
        str(root),
        "--file-format",
        "jsonl",
        "--schema",
        str(SCHEMA),
        "--metadata-columns",
        "year",
        "--gzip",
        "--format",
        "json",
    )
    assert code == 0, err
    assert (root / "__default__/part-00000.jsonl.gz").is_file()
    code, out, _ = run(capsys, "check", str(root), "--schema", str(SCHEMA), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["records"] == 2
    code, _, err = run(capsys, "convert", str(source), "--to", str(tmp_path / "x"), "--gzip")
    assert code == 2 and "format='jsonl'" in err

"""The command line: output formats, exit codes, and no traceback on bad input."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import pinecone_prep as pp
from pinecone_prep._cli import main
from tests.support.cli import run

FIXTURES = Path(__file__).parents[2] / "fixtures"


def test_check_valid_prefix_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(FIXTURES / "valid"))
    assert code == 0
    assert "VALID" in out and "articles" in out and "25" in out


def test_check_json_is_exactly_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    uri = str(FIXTURES / "cases" / "R005-files")
    code, out, _ = run(capsys, "check", uri, "--format", "json")
    assert code == 1
    assert json.loads(out) == json.loads(pp.check(uri).to_json())
    finding = next(f for f in json.loads(out)["findings"] if f["code"] == "R005")
    assert finding["location"]["row"] == 1 and finding["related"]["row"] == 2


def test_text_output_groups_by_code_with_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(FIXTURES / "cases" / "R012"), "--max-examples", "0")
    assert code == 1
    assert "R012 error x1" in out and "1 more" in out


def test_options_reach_the_checker(capsys: pytest.CaptureFixture[str]) -> None:
    uri = str(FIXTURES / "cases" / "S009")
    assert run(capsys, "check", uri)[0] == 1
    assert run(capsys, "check", uri, "--extra-columns", "warn")[0] == 0
    code, out, _ = run(
        capsys, "check", str(FIXTURES / "valid"), "--dimension", "9", "--format", "json"
    )
    assert code == 1 and "R011" in json.loads(out)["summary"]["by_code"]


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "x", "--kind", "vector"],
        ["check", "x", "--dimension", "0"],
        ["check", "x", "--max-examples", "many"],
        ["check", str(FIXTURES / "valid"), "--limits", "1999"],
        ["check", str(FIXTURES / "valid"), "--storage-option", "novalue"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_store_exits_3_without_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    secret = "SUPERSECRETVALUE123"
    code, out, err = run(
        capsys,
        "check",
        "s3://bucket/prefix",
        "--storage-option",
        f"endpoint_url=http://127.0.0.1:{_closed_port()}",
        "--storage-option",
        "key=AKIDEXAMPLE",
        "--storage-option",
        f"secret={secret}",
        "--storage-option",
        'config_kwargs={"retries": {"max_attempts": 1}, "connect_timeout": 1}',
    )
    assert code == 3
    assert "s3://bucket/prefix" in err
    assert secret not in out + err and "Traceback" not in err


def test_corrupt_files_are_findings_not_crashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "valid", tmp_path / "p")
    (tmp_path / "p" / "articles" / "zz-bad.parquet").write_bytes(b"PAR1 not really")
    code, out, err = run(capsys, "check", str(tmp_path / "p"), "--format", "json")
    assert code == 1 and err == ""
    report = json.loads(out)
    assert report["summary"]["by_code"]["F001"] == 1
    assert report["summary"]["records"] == 25  # the other files were still read


def test_rules_lists_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert code == 0
    assert [r["code"] for r in json.loads(out)] == list(pp.CODES)
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "R038" in out and "L001" in out


def test_console_script_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("pinecone-prep")
    result = subprocess.run(
        [str(exe), "check", str(FIXTURES / "cases" / "R001"), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["summary"]["by_code"]["R001"] == 1

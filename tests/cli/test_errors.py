"""With --format json every outcome is one JSON object on stdout, errors included; stderr keeps
the line for people; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pinecone_prep._cli import main

FIXTURES = Path(__file__).parents[2] / "fixtures"


@pytest.mark.parametrize(
    ("argv", "kind", "code"),
    [
        (["check", "--no-such-option", "x", "--format", "json"], "usage", 2),
        (["check", str(FIXTURES / "valid"), "--format", "json", "--limits", "1999"], "usage", 2),
        (
            [
                "check",
                "s3://bucket/x",
                "--format",
                "json",
                "--storage-option",
                "a=1",
                "--storage-option",
                "a.b=2",
            ],
            "usage",
            2,
        ),
        (
            [
                "plan",
                str(FIXTURES / "valid"),
                "--format=json",
                "--materialize",
                str(FIXTURES / "valid" / "x"),
            ],
            "usage",
            2,
        ),
    ],
)
def test_errors_are_json(
    argv: list[str], kind: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == code
    out, err = capsys.readouterr()
    error = json.loads(out)["error"]
    assert error["kind"] == kind and error["exit_code"] == code and error["message"]
    assert err.strip() and "Traceback" not in err


def test_text_usage_errors_keep_argparse_form(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--no-such-option"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: pinecone-prep check") and "error:" in err

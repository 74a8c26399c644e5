"""Running the command line in the test process: `main(argv)` with its exit code, standard
output and standard error, and the arguments that pass storage options."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from pinecone_prep._cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `pinecone-prep argv`; argparse's own usage errors
    (SystemExit) count as their exit code. No run may print a traceback."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def storage_args(options: Mapping[str, Any]) -> list[str]:
    """`--storage-option key=value` for each option (JSON for anything but text)."""
    args = []
    for key, value in options.items():
        text = value if isinstance(value, str) else json.dumps(value)
        args += ["--storage-option", f"{key}={text}"]
    return args

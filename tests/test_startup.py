"""Start-up cost: what `import pinecone_prep` and the quick commands import, each in a fresh
interpreter (bench/bench_startup.py measures the time itself)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Each costs 0.1-0.5 s to import; the check path loads them only when it uses them.
HEAVY = {"pyarrow", "polars", "pandas", "numpy", "fsspec", "pinecone"}
WRITER = {"pinecone_prep._writer", "pinecone_prep._convert"}

IMPORT_PACKAGE = """\
import sys
import pinecone_prep
pinecone_prep.CODES
out = open(sys.argv[1], "w")
out.write("\\n".join(sorted(sys.modules)))
"""

RUN_CLI = """\
import sys
from pinecone_prep._cli import main
modules_file, *argv = sys.argv[1:]
try:
    main(argv)
except SystemExit:  # argparse's --version exits
    pass
out = open(modules_file, "w")
out.write("\\n".join(sorted(sys.modules)))
"""


def imported(tmp_path: Path, program: str, *argv: str) -> set[str]:
    """The module names one fresh interpreter has loaded after running `program`."""
    listing = tmp_path / "modules.txt"
    subprocess.run(
        [sys.executable, "-c", program, str(listing), *argv],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return set(listing.read_text().splitlines())


def loaded(modules: set[str], names: set[str]) -> list[str]:
    """Which of `names` (packages or modules) appear among `modules`, submodules included."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def test_import_pinecone_prep_is_light(tmp_path: Path) -> None:
    modules = imported(tmp_path, IMPORT_PACKAGE)
    assert "pinecone_prep._codes" in modules  # the probe saw the package
    assert loaded(modules, HEAVY | WRITER) == []


@pytest.mark.parametrize(
    ("argv", "forbidden"),
    [
        (["--version"], HEAVY | WRITER | {"rich"}),
        (["rules", "--format", "json"], HEAVY | WRITER | {"rich"}),
        (["rules"], HEAVY | WRITER),
    ],
    ids=["version", "rules-json", "rules"],
)
def test_quick_commands_import_nothing_heavy(
    tmp_path: Path, argv: list[str], forbidden: set[str]
) -> None:
    modules = imported(tmp_path, RUN_CLI, *argv)
    assert "pinecone_prep._cli" in modules
    assert loaded(modules, forbidden) == []

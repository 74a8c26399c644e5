"""The Azurite install step: once, under a lock, with a clear failure when npm is missing or
fails. A small Python script stands in for npm, so these tests need no network."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from tests.support.azurite_install import PACKAGE, azurite_binary, install_azurite

# Records its arguments, waits (so a second caller would overlap), creates the binary.
FAKE_NPM = """\
#!{python}
import pathlib, sys, time
argv = sys.argv[1:]
prefix = pathlib.Path(argv[argv.index("--prefix") + 1])
with open({log!r}, "a") as log:
    log.write(" ".join(argv) + "\\n")
time.sleep({delay})
if {fail}:
    sys.stderr.write("npm ERR! network unreachable\\n")
    sys.exit(1)
binary = prefix / "node_modules" / ".bin" / "azurite-blob"
binary.parent.mkdir(parents=True, exist_ok=True)
binary.write_text("")
"""


def fake_npm(tmp_path: Path, *, delay: float = 0.0, fail: bool = False) -> tuple[str, Path]:
    log = tmp_path / "npm.log"
    script = tmp_path / "npm"
    script.write_text(FAKE_NPM.format(python=sys.executable, log=str(log), delay=delay, fail=fail))
    script.chmod(0o755)
    return str(script), log


def test_installs_once_with_the_pinned_package(tmp_path: Path) -> None:
    npm, log = fake_npm(tmp_path)
    prefix = tmp_path / "node"
    assert install_azurite(prefix=prefix, npm=npm) == azurite_binary(prefix)
    assert install_azurite(prefix=prefix, npm=npm) == azurite_binary(prefix)
    assert log.read_text().splitlines() == [
        f"install --silent --no-audit --no-fund --prefix {prefix} {PACKAGE}"
    ]


def test_concurrent_runs_install_once(tmp_path: Path) -> None:
    npm, log = fake_npm(tmp_path, delay=0.5)
    prefix = tmp_path / "node"
    results: list[Path] = []
    runs = [
        threading.Thread(target=lambda: results.append(install_azurite(prefix=prefix, npm=npm)))
        for _ in range(3)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=30)
    assert results == [azurite_binary(prefix)] * 3
    assert len(log.read_text().splitlines()) == 1


def test_an_installed_azurite_needs_no_npm(tmp_path: Path) -> None:
    binary = azurite_binary(tmp_path)
    binary.parent.mkdir(parents=True)
    binary.write_text("")
    assert install_azurite(prefix=tmp_path, npm=None) == binary


def test_missing_npm_fails_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"npm is not on PATH.*install Node\.js"):
        install_azurite(prefix=tmp_path / "node", npm=None)


def test_failed_install_fails_with_npm_output(tmp_path: Path) -> None:
    npm, _ = fake_npm(tmp_path, fail=True)
    with pytest.raises(pytest.fail.Exception, match="exit code 1:\nnpm ERR! network unreachable"):
        install_azurite(prefix=tmp_path / "node", npm=npm)


def test_slow_install_is_bounded(tmp_path: Path) -> None:
    npm, _ = fake_npm(tmp_path, delay=5)
    with pytest.raises(pytest.fail.Exception, match="took more than 1 s"):
        install_azurite(prefix=tmp_path / "node", npm=npm, timeout=1.0)

"""Azurite (the Azure Blob emulator) from npm, installed by the test run itself when missing.

The README's test command must pass on a fresh clone with nothing installed by hand, so the
Azure server fixture calls `install_azurite` once per session. A lock file makes concurrent
test runs in one clone wait for a single install instead of racing two into one folder.
"""

from __future__ import annotations

import fcntl
import subprocess
from pathlib import Path

import pytest

PACKAGE = "azurite@3"
INSTALL_TIMEOUT = 600.0  # seconds; a first install downloads ~40 MB from the npm registry


def azurite_binary(prefix: Path) -> Path:
    return prefix / "node_modules" / ".bin" / "azurite-blob"


def install_azurite(*, prefix: Path, npm: str | None, timeout: float = INSTALL_TIMEOUT) -> Path:
    """Azurite's blob server under `prefix`, installed with `npm` if it is not there yet.

    `npm` is the npm executable (None when there is none). Fails the test, never skips it.
    """
    binary = azurite_binary(prefix)
    if binary.exists():
        return binary
    if npm is None:
        pytest.fail(
            f"Azurite, the Azure Blob emulator the Azure tests run against, is not installed"
            f" ({binary} is missing) and npm is not on PATH to install it: install Node.js"
            f" with npm (e.g. `apt-get install npm`) and run the tests again",
            pytrace=False,
        )
    prefix.mkdir(parents=True, exist_ok=True)
    with (prefix / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not binary.exists():  # another run may have installed it while this one waited
            _npm_install(npm, prefix, timeout)
    if not binary.exists():
        pytest.fail(f"npm installed {PACKAGE} but {binary} is missing", pytrace=False)
    return binary


def _npm_install(npm: str, prefix: Path, timeout: float) -> None:
    argv = [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix)]
    try:
        result = subprocess.run(
            [*argv, PACKAGE],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm install {PACKAGE}` took more than {timeout:.0f} s", pytrace=False)
    except OSError as e:
        pytest.fail(f"cannot run {npm}: {e}", pytrace=False)
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-2000:]
        pytest.fail(
            f"`npm install {PACKAGE}` into {prefix} failed with exit code"
            f" {result.returncode}:\n{output}",
            pytrace=False,
        )

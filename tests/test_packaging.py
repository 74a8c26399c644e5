"""What `pip install pinecone-prep` gets: the wheel and the sdist, built offline from a copy of
the work tree with the installed setuptools (the PEP 517 hooks, as `--no-build-isolation`)."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from pinecone_prep import __version__

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "pinecone_prep"
INFO = f"pinecone_prep-{__version__}.dist-info"
# Everything a build could pick up that is not part of the project's sources.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv*", "node", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hyp*"
)
BUILD = """\
import sys
out = sys.argv[1]  # read first: the setuptools hooks rewrite sys.argv
from setuptools import build_meta
build_meta.build_wheel(out)
build_meta.build_sdist(out)
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and the sdist, built once for this module."""
    root = tmp_path_factory.mktemp("packaging")
    source, out = root / "source", root / "dist"
    shutil.copytree(REPO, source, ignore=NOT_SOURCES)
    result = subprocess.run(
        [sys.executable, "-c", BUILD, str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"build failed:\n{result.stderr[-3000:]}"
    return out


def _wheel_names(dist: Path) -> list[str]:
    [wheel] = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def _sdist_names(dist: Path) -> list[str]:
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        # Drop the top folder (pinecone_prep-VERSION/).
        return [name.partition("/")[2] for name in archive.getnames()]


def test_wheel_holds_every_module_and_py_typed(dist: Path) -> None:
    names = set(_wheel_names(dist))
    modules = {str(p.relative_to(REPO)) for p in PACKAGE.rglob("*.py")}
    assert {"pinecone_prep/_cli/__init__.py", "pinecone_prep/_pinecone/__init__.py"} <= modules
    assert modules <= names, f"missing from the wheel: {sorted(modules - names)}"
    assert "pinecone_prep/py.typed" in names


def test_wheel_holds_no_tests_or_fixtures(dist: Path) -> None:
    assert {name.split("/")[0] for name in _wheel_names(dist)} == {
        "pinecone_prep",
        INFO,
    }


def test_wheel_metadata_license_and_links(dist: Path) -> None:
    names = _wheel_names(dist)
    assert f"{INFO}/licenses/LICENSE" in names
    [wheel] = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        meta = email.message_from_bytes(archive.read(f"{INFO}/METADATA"))
        entry_points = archive.read(f"{INFO}/entry_points.txt").decode()
    assert meta["License-Expression"] == "Apache-2.0" and meta["License-File"] == "LICENSE"
    assert not any(c.startswith("License ::") for c in meta.get_all("Classifier", []))
    assert "Typing :: Typed" in meta.get_all("Classifier", [])
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL", []))
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= set(urls)
    assert "pinecone-prep = pinecone_prep.__main__:run" in entry_points


def test_sdist_ships_no_tests(dist: Path) -> None:
    names = _sdist_names(dist)
    tops = {name.split("/")[0] for name in names}
    assert not tops & {"tests", "fixtures", "bench", "notes", ".ci"}, sorted(tops)
    assert {"LICENSE", "README.md", "pyproject.toml", "pinecone_prep/py.typed"} <= set(names)
    assert "docs/rules.md" in names

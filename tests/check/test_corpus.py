"""Golden corpus: every rule case under fixtures/cases/ and the three clean prefixes.

Regenerate the corpus with ``python fixtures/make_fixtures.py``; the last test proves the
committed files are exactly what the generator writes.
"""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
CASE_FILES = sorted(FIXTURES.glob("cases/*/case.json"))
VALID = ["valid", "valid-sparse", "valid-hybrid"]
IGNORED = {"L009"}  # every local path is a dry run: L009 fires in every case
# Codes about the target index: a prefix alone cannot break them, so they have no case here;
# tests/pinecone covers them against the fake Pinecone API and described indexes.
NEEDS_AN_INDEX = {
    "L007": "the namespace already exists in the index",
    "L010": "the index's cloud",
    "P001": "a pod index",
    "P002": "an integrated-embedding index",
    "P003": "a document index",
    "P004": "a legacy index",
}
GENERATOR_INPUTS = {"make_fixtures.py", "__pycache__"}


def _check(root: str, options: dict[str, Any]) -> Any:
    # Imported here so the corpus still collects while the checker is being written.
    from pinecone_prep import Limits, check

    options = dict(options)
    if "limits" in options:
        options["limits"] = Limits(name="test", **options["limits"])
    return check(root, max_examples=None, **options)


def _file(location: Any, root: str) -> str | None:
    """The location's path relative to root; None for prefix- and namespace-level findings."""
    uri = str(location.uri)
    if uri == root:
        return None
    if not uri.startswith(root + "/"):
        return uri  # outside the root: shown as is, so it never matches silently
    rel = uri[len(root) + 1 :]
    return None if (Path(root) / rel).is_dir() else rel


def _matches(expected: dict[str, Any], finding: Any, root: str) -> bool:
    loc = finding.location
    got = {
        "code": finding.code,
        "severity": finding.severity,
        "file": _file(loc, root),
        "row": loc.row,
        "row_group": loc.row_group,
    }
    if any(got[k] != expected[k] for k in got):
        return False
    # Optional keys: asserted only when the case names them.
    if "id" in expected and loc.id != expected["id"]:
        return False
    if "namespace" in expected and loc.namespace != expected["namespace"]:
        return False
    if "related" in expected:
        rel, want = finding.related, expected["related"]
        if rel is None:
            return False
        have = {"file": _file(rel, root), "row": rel.row, "row_group": rel.row_group}
        return have == {k: want[k] for k in have}
    return True


def _show(finding: Any, root: str) -> str:
    loc = finding.location
    where = f"{_file(loc, root)} ns={loc.namespace} rg={loc.row_group} row={loc.row} id={loc.id!r}"
    return f"{finding.code} {finding.severity} @ {where}: {finding.message}"


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.parent.name for p in CASE_FILES])
def test_case(case_file: Path) -> None:
    case = json.loads(case_file.read_text(encoding="utf-8"))
    root = str(case_file.parent / case["uri"])
    report = _check(root, case["options"])
    shown = "\n".join(_show(f, root) for f in report.findings)

    for exp in case["expect"]:
        assert any(_matches(exp, f, root) for f in report.findings), (
            f"expected {exp} not reported; findings:\n{shown}"
        )
    unexpected = [
        _show(f, root)
        for f in report.findings
        if f.severity in ("error", "warning")
        and f.code not in IGNORED
        and f.code not in case["also"]
        and not any(_matches(exp, f, root) for exp in case["expect"])
    ]
    assert not unexpected, "unexpected findings:\n" + "\n".join(unexpected)

    expects_error = any(e["severity"] == "error" for e in case["expect"])
    if expects_error:
        assert report.valid is False
    elif not any(_severity_is_error(code) for code in case["also"]):
        assert report.valid is True, shown
    if "records" in case:  # the scan went on past a broken file
        assert report.summary.records == case["records"]


def _severity_is_error(code: str) -> bool:
    from pinecone_prep._codes import severity_of

    return severity_of(code) == "error"


@pytest.mark.parametrize("name", VALID)
def test_valid_prefix(name: str) -> None:
    root = str(FIXTURES / name)
    report = _check(root, {})
    bad = [
        _show(f, root)
        for f in report.findings
        if f.severity in ("error", "warning") and f.code not in IGNORED
    ]
    assert not bad, "a valid prefix has findings:\n" + "\n".join(bad)
    assert report.valid is True
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in Path(root).rglob("*.parquet"))
    assert report.summary.records == rows


def test_every_offline_code_has_a_case() -> None:
    from pinecone_prep import CODES

    covered = {json.loads(p.read_text(encoding="utf-8"))["code"] for p in CASE_FILES}
    missing = set(CODES) - set(NEEDS_AN_INDEX) - covered
    assert not missing, f"codes without a case under fixtures/cases: {sorted(missing)}"
    assert not covered & set(NEEDS_AN_INDEX), "a code with a case needs no exemption"
    assert covered <= set(CODES), f"cases for unknown codes: {sorted(covered - set(CODES))}"


def test_case_files_are_consistent() -> None:
    for path in CASE_FILES:
        case = json.loads(path.read_text(encoding="utf-8"))
        assert any(e["code"] == case["code"] for e in case["expect"]), path
        assert (path.parent / case["uri"]).exists(), path
        for exp in case["expect"]:
            if exp["file"] is not None:
                assert (path.parent / exp["file"]).is_file(), (path, exp["file"])


def test_generator_is_deterministic(tmp_path: Path) -> None:
    script = FIXTURES / "make_fixtures.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=REPO, check=True)
    committed = _tree(FIXTURES)
    generated = _tree(tmp_path)
    assert sorted(generated) == sorted(committed), "file sets differ: rerun the generator"
    differ = [
        rel for rel in committed if not filecmp.cmp(FIXTURES / rel, tmp_path / rel, shallow=False)
    ]
    assert not differ, f"regenerated files differ from the committed ones: {differ}"


def _tree(root: Path) -> list[str]:
    return [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not GENERATOR_INPUTS & set(p.relative_to(root).parts)
    ]

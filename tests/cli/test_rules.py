"""The rule catalogue: `rules` in every format, docs/rules.md kept in step, every field filled in,
and every example a message the tool really prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import pinecone_prep as pp
from pinecone_prep._cli.rules_page import SOURCES, rules_markdown
from pinecone_prep._index import IndexDescription, index_issues
from pinecone_prep._limits import Limits
from pinecone_prep._rules.limits import limit_issues
from tests.support.cli import run

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "rules.md"
FIELDS = ["code", "severity", "meaning", "source", "example", "fix"]
NOT_REPORTED_YET: set[str] = set()


def test_docs_rules_page_is_generated_from_the_catalogue() -> None:
    assert PAGE.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md differs from the catalogue: regenerate it with"
        " `pinecone-prep rules --format markdown > docs/rules.md`"
    )


def test_markdown_format_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "markdown")
    assert code == 0 and out == rules_markdown()
    for rule in pp.CODES:
        assert f"\n### {rule}\n" in out


def test_json_format_has_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [row["code"] for row in rows] == list(pp.CODES)
    for row in rows:
        assert list(row) == FIELDS
        rule = pp.CODES[row["code"]]
        assert (row["severity"], row["fix"]) == (rule.severity, rule.fix)


@pytest.mark.parametrize("code", list(pp.CODES))
def test_every_code_has_all_fields(code: str) -> None:
    rule = pp.CODES[code]
    assert rule.severity in ("error", "warning", "info")
    for text in (rule.meaning, rule.example, rule.fix):
        assert text.strip() == text and text and "\n" not in text
    assert rule.source in (*SOURCES, "pinecone-prep adds", "inferred")
    assert rule.fix[0].isupper() and rule.fix.endswith("."), "a fix is one or two sentences"


def _fixture_messages() -> Iterator[str]:
    """Every message the check prints for the bundled cases, with repo-relative paths."""
    for case_file in sorted((REPO / "fixtures" / "cases").glob("*/case.json")):
        case = json.loads(case_file.read_text(encoding="utf-8"))
        options = dict(case["options"])
        if "limits" in options:
            options["limits"] = Limits(name="test", **options["limits"])
        report = pp.check(str(case_file.parent / case["uri"]), max_examples=None, **options)
        for finding in report.findings:
            yield finding.message.replace(f"{REPO}/", "")


def _index_messages() -> Iterator[str]:
    index = IndexDescription(
        name="docs", cloud="gcp", serverless=False, integrated=True, namespaces={"articles": 1200}
    )
    for issue in index_issues(index, scheme="s3", namespaces=["articles"]):
        yield issue.message
    document = IndexDescription(name="docs", family="document")
    for issue in index_issues(document, scheme="s3", namespaces=[]):
        yield issue.message
    for issue in index_issues(
        IndexDescription(name="docs"), scheme="s3", namespaces=[], files="jsonl"
    ):
        yield issue.message


def _limit_messages() -> Iterator[str]:
    """The M examples use the real profiles, which no small fixture can exceed."""
    one_file = [("a", "a/part-0.parquet", 1)]
    cases = [
        ("2024", {f"n{i}": 1 for i in range(101)}, {"n0": 120_000_000}, one_file),
        ("2024", {"a": 1_240_000_000_000}, {"a": 1}, [("a", "a/big.parquet", 12_400_000_000)]),
        ("2024", {"a": 1}, {"a": 1}, one_file * 100_001),
        ("2026", {"a": 612_000_000_000}, {"a": 1}, one_file),
    ]
    for profile, ns_bytes, ns_records, files in cases:
        for breach in limit_issues(Limits.profile(profile), ns_bytes, ns_records, files):
            yield breach.message


def test_every_example_is_a_message_the_tool_prints() -> None:
    printed = {*_fixture_messages(), *_index_messages(), *_limit_messages()}
    invented = {
        code: rule.example
        for code, rule in pp.CODES.items()
        if rule.example not in printed and code not in NOT_REPORTED_YET
    }
    assert not invented, f"examples no check printed: {invented}"

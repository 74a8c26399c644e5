"""Reports, plans and write results show briefly in a REPL and as tables in a notebook."""

from __future__ import annotations

from pathlib import Path

import pinecone_prep as pp
from tests.support.writing import frame

FIXTURES = Path(__file__).parents[2] / "fixtures"


def test_a_report_is_short_in_a_repl_and_a_table_in_a_notebook() -> None:
    report = pp.check(FIXTURES / "cases" / "R011", max_examples=None)
    text = repr(report)
    assert text.startswith("<Report INVALID") and "R011x" in text and len(text) < 300
    page = report._repr_html_()
    assert "<table>" in page and "R011" in page
    first = next(f for f in report.findings if f.code == "R011")
    assert str(first.location.row) in page  # the first locations are shown


def test_a_plan_and_a_write_result_too(tmp_path: Path) -> None:
    result = pp.write(frame(5), tmp_path / "out")
    assert repr(result).startswith("<WriteResult") and "5 records" in repr(result)
    assert "__default__" in result._repr_html_()
    plan = pp.plan(tmp_path / "out")
    assert repr(plan).startswith("<ImportPlan valid") and "1 request" in repr(plan)
    assert "<table>" in plan._repr_html_()

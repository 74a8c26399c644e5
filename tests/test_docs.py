"""The documentation stays inside the repository: every relative link in README.md and docs/
resolves to a file (and its #anchor to a heading), other links are public web pages, and
nothing refers to the spec folder that lives beside the repository during development."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`[^`]*`")
INSTALL = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]'"
    " && pinecone-prep check fixtures/valid"
)
TEST = "ruff check . && mypy && python -m pytest"
# Spelled in two parts so that this file does not match its own search.
OUTSIDE = "shared" + "/"


def prose(page: Path, *, keep_code: bool = False) -> list[str]:
    """The page's lines outside fenced code blocks, inline code spans removed unless kept."""
    lines, fenced = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line if keep_code else INLINE_CODE.sub("", line))
    return lines


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, -N repeats."""
    ids: set[str] = set()
    counts: dict[str, int] = {}
    for line in prose(page, keep_code=True):
        if m := re.match(r"#{1,6} (.+)", line):
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1).strip().lower())
            slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
            n = counts.get(slug, 0)
            ids.add(slug if n == 0 else f"{slug}-{n}")
            counts[slug] = n + 1
    return ids


def links(page: Path) -> list[str]:
    return [target for line in prose(page) for target in LINK.findall(line)]


def broken(page: Path, target: str) -> str | None:
    """Why `target` (a link on `page`) does not resolve, or None."""
    if re.match(r"https?://", target):
        return None  # a public web page
    if re.match(r"[a-z][a-z0-9+.-]*:", target):
        return "not a web page or a file of the repository"
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    if not file.is_relative_to(REPO):
        return "outside the repository"
    if not file.exists():
        return "no such file"
    if anchor and file.suffix == ".md" and anchor not in anchors(file):
        return f"no heading #{anchor} in {file.relative_to(REPO)}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_every_link_resolves(page: Path) -> None:
    found = links(page)
    bad = {t: why for t in found if (why := broken(page, t))}
    assert not bad, f"broken links in {page.relative_to(REPO)}: {bad}"


def test_readme_links_every_docs_page() -> None:
    readme = set(links(REPO / "README.md"))
    pages = {f"docs/{p.name}" for p in (REPO / "docs").glob("*.md")}
    assert pages <= readme, f"pages the README does not link: {sorted(pages - readme)}"


def test_the_link_checker_catches_bad_links() -> None:
    page = REPO / "docs" / "cli.md"
    assert broken(page, "rules.md#r005") is None
    assert broken(page, "rules.md#r999") == "no heading #r999 in docs/rules.md"
    assert broken(page, "missing.md") == "no such file"
    assert broken(page, "../../" + OUTSIDE + "spec/RULES.md") == "outside the repository"
    assert broken(page, "file:///etc/passwd") is not None


def test_nothing_refers_outside_the_repository() -> None:
    roots = [REPO / "README.md", REPO / "docs", REPO / "tests", REPO / "pinecone_prep"]
    files = [p for r in roots for p in ([r] if r.is_file() else r.rglob("*")) if p.is_file()]
    files = [p for p in files if "__pycache__" not in p.parts]
    assert len(files) > 50
    hits = [str(p.relative_to(REPO)) for p in files if OUTSIDE in p.read_text(errors="ignore")]
    assert not hits, f"files that refer to {OUTSIDE}: {hits}"


def test_readme_commands_are_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert INSTALL in readme and TEST in readme
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith(TEST + " ") or line == TEST for line in ci)
    assert len(readme) <= 150, "the README is the front page; reference belongs in docs/"

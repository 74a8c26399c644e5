"""Preflight rules against a described index (offline: the description is built by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pinecone_prep as pp
from pinecone_prep._index import index_issues

VALID = str(Path(__file__).parents[2] / "fixtures" / "valid")


def codes(index: pp.IndexDescription, scheme: str = "s3", namespaces: tuple[str, ...] = ()):
    return [
        (i.code, i.namespace) for i in index_issues(index, scheme=scheme, namespaces=namespaces)
    ]


def test_clean_index_has_no_issues() -> None:
    assert codes(pp.IndexDescription(cloud="aws"), namespaces=("a", "__default__")) == []


def test_pod_integrated_and_cloud_pair() -> None:
    index = pp.IndexDescription(cloud="gcp", serverless=False, integrated=True)
    assert codes(index) == [("P001", None), ("P002", None), ("L010", None)]
    assert codes(index, scheme="gs") == [("P001", None), ("P002", None)]
    [p002] = [i for i in index_issues(index, scheme="gs", namespaces=()) if i.code == "P002"]
    assert "Pinecone refuses imports" in p002.message
    assert pp.CODES["P002"].severity == "error"


BODY = {"body": {"type": "string", "full_text_search": {}}}
SUMMARY = {"summary": {"type": "string", "embed": {"model": "m", "dimension": 1024}}}


def test_a_document_index_takes_no_parquet() -> None:
    schema = pp.DocumentSchema.from_json({"fields": BODY})
    document = pp.IndexDescription(name="docs", schema=schema)
    assert (document.family, document.integrated) == ("document", False)
    [p003] = index_issues(document, scheme="s3", namespaces=())
    assert (p003.code, pp.CODES["P003"].severity) == ("P003", "error")
    assert "'docs' is a document index" in p003.message and "JSON Lines" in p003.message
    assert index_issues(document, scheme="s3", namespaces=(), files="jsonl") == []
    embeds = pp.IndexDescription(schema=pp.DocumentSchema.from_json({"fields": BODY | SUMMARY}))
    assert embeds.integrated  # from the schema
    [p002, _] = index_issues(embeds, scheme="s3", namespaces=())
    assert p002.code == "P002" and "(field 'summary')" in p002.message
    # The verdict comes from the index alone, before a row is read or a request sent.
    report = pp.check(VALID, index=document)
    assert not report.valid and report.summary.by_code["P003"] == 1


def test_a_legacy_index_takes_no_json_lines() -> None:
    for legacy, family in (
        (pp.IndexDescription(name="docs"), "vector"),
        (pp.IndexDescription(family="integrated"), "integrated"),
    ):
        found = index_issues(legacy, scheme="s3", namespaces=(), files="jsonl")
        [p004] = [i for i in found if i.code == "P004"]
        assert f"is a legacy {family} index" in p004.message and "not JSON Lines" in p004.message
        assert "P004" not in [i.code for i in index_issues(legacy, scheme="s3", namespaces=())]
    assert pp.CODES["P004"].severity == "error"


def test_description_fields_are_checked() -> None:
    assert pp.IndexDescription(family="integrated").integrated  # it embeds by definition
    with pytest.raises(pp.UsageError, match="family"):
        pp.IndexDescription(family="hybrid")  # type: ignore[arg-type]
    with pytest.raises(pp.UsageError, match="DocumentSchema"):
        pp.IndexDescription(schema={"fields": BODY})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pp.IndexDescription("docs")  # type: ignore[misc]  # keywords only
    legacy = pp.DocumentSchema.from_json(
        {"fields": {"_values": {"type": "dense_vector", "dimension": 8, "metric": "cosine"}}}
    )
    described = pp.IndexDescription(schema=legacy)
    assert (described.family, described.dimension, described.metric) == ("vector", 8, "cosine")
    with pytest.raises(pp.UsageError, match="contradicts the schema"):
        pp.IndexDescription(family="document", schema=legacy)
    with pytest.raises(pp.UsageError, match="dimension=4 contradicts the schema's '_values'"):
        pp.IndexDescription(schema=legacy, dimension=4)
    metadata_only = pp.DocumentSchema.from_json({"fields": {"genre": {"type": "string"}}})
    with pytest.raises(pp.UsageError, match="no vector, full-text or semantic_text field"):
        pp.IndexDescription(schema=metadata_only)


@pytest.mark.parametrize(
    ("existing", "namespace", "found"),
    [
        ({"a": 10}, "a", True),
        ({"a": 10}, "b", False),
        ({"": 4}, "__default__", True),
        ({"__default__": 4}, "__default__", True),
        ({"": 0}, "__default__", False),
        ({"__default__": 0, "": 0}, "__default__", False),
        ({"a": 0}, "a", True),  # created empty: it exists all the same
    ],
)
def test_existing_namespaces(existing: dict[str, int], namespace: str, found: bool) -> None:
    index = pp.IndexDescription(namespaces=existing)
    assert codes(index, namespaces=(namespace,)) == ([("L007", namespace)] if found else [])


def test_index_drives_the_data_rules() -> None:
    report = pp.check(VALID, index=pp.IndexDescription(kind="sparse"))
    assert report.summary.by_code["S010"] >= 1
    report = pp.check(VALID, index=pp.IndexDescription(dimension=16))
    assert report.summary.by_code["R011"] == report.summary.records
    report = pp.check(VALID, index=pp.IndexDescription(namespaces={"articles": 1}))
    assert [f.location.namespace for f in report.findings if f.code == "L007"] == ["articles"]


def test_options_must_agree_with_the_index() -> None:
    with pytest.raises(pp.UsageError):
        pp.check(VALID, dimension=8, index=pp.IndexDescription(dimension=16))
    with pytest.raises(pp.UsageError):
        pp.check(VALID, kind="sparse", index=pp.IndexDescription(kind="dense"))
    with pytest.raises(pp.UsageError):
        pp.IndexDescription(kind="hybrid")  # type: ignore[arg-type]
    assert pp.check(VALID, kind="hybrid", index=pp.IndexDescription(kind="dense")).valid

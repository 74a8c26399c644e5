"""Document indexes end to end, through the real `pinecone` SDK against the fake API: the
JSON Lines prefix checked against the live index's own schema, P003 / P004 for the other
format before any request, the import started and reconciled with the counted documents
(Pinecone's `validationResult` included), quick checks."""

from __future__ import annotations

from typing import Any

import pytest

import pinecone_prep as pp
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import ImportStep, document_schema
from tests.support.pinecone_sources import SCHEMA, Source, access, script, start, trail
from tests.support.pinecone_sources import s3_sources as s3_sources  # module-scoped S3 prefixes

DOCUMENTS = 20  # in fixtures/valid-documents


@pytest.fixture
def fake(fake_pinecone: FakePinecone) -> FakePinecone:
    fake_pinecone.add_index("docs", schema=SCHEMA["fields"])
    return fake_pinecone


@pytest.fixture
def documents(s3_sources: dict[str, Source]) -> Source:
    return s3_sources["documents"]


def test_the_prefix_is_checked_against_the_index_schema(fake: FakePinecone) -> None:
    index = pp.describe_index("docs", **access(fake))
    assert index.family == "document" and index.schema == pp.DocumentSchema.from_json(SCHEMA)
    report = pp.preflight("fixtures/valid-documents", index=index)
    assert [f.code for f in report.findings] == ["L009"]  # a local prefix: a dry run
    assert (report.summary.records, report.summary.limits) == (DOCUMENTS, "documents")
    # The same lines against another index's schema: judged by that schema.
    fake.add_index("short", schema=document_schema(dense=("embedding", 4, "cosine")))
    other = pp.preflight("fixtures/valid-documents", index="short", **access(fake))
    assert other.summary.by_code["R011"] == DOCUMENTS
    assert trail(fake) == [
        (method, path)
        for name in ("docs", "short")
        for method, path in (("GET", f"/indexes/{name}"), ("GET", "/namespaces"))
    ]


def test_a_schema_given_with_the_index_must_agree() -> None:
    index = pp.IndexDescription(schema=pp.DocumentSchema.from_json(SCHEMA))
    shuffled = {"fields": dict(reversed(SCHEMA["fields"].items()))}
    shuffled["fields"]["body"] = {**shuffled["fields"]["body"], "description": "text"}
    assert pp.check("fixtures/valid-documents", index=index, schema=shuffled).valid
    fields = {**SCHEMA["fields"], "title": {"type": "string", "full_text_search": {}}}
    with pytest.raises(pp.UsageError, match="differs from the schema of the index"):
        pp.check("fixtures/valid-documents", index=index, schema={"fields": fields})
    with pytest.raises(pp.UsageError, match="legacy vector index, which imports Parquet"):
        pp.check("fixtures/valid-documents", index=pp.IndexDescription(), schema=SCHEMA)
    bare = pp.IndexDescription(family="document")  # by hand, without its schema
    with pytest.raises(pp.UsageError, match="described without its schema"):
        pp.check("fixtures/valid-documents", index=bare)
    assert pp.check("fixtures/valid-documents", index=bare, schema=SCHEMA).valid


def test_import_of_documents_completes_and_reconciles(
    fake: FakePinecone, documents: Source
) -> None:
    script(
        fake,
        documents,
        ImportStep("InProgress", 50.0, 0),
        ImportStep("Completed", 100.0, DOCUMENTS, validation=(DOCUMENTS, 0)),
    )
    outcome = start(fake, documents)
    assert outcome.report.valid and outcome.report.summary.limits == "documents"
    assert (outcome.records_expected, outcome.records_missing, outcome.reconciled) == (
        DOCUMENTS,
        0,
        True,
    )
    assert outcome.ok and outcome.records_rejected == 0
    (request,) = fake.calls("POST", "/bulk/imports", index="docs")
    assert request.body == {"uri": documents.uri, "errorMode": {"onError": "abort"}}


@pytest.mark.parametrize(
    ("step", "missing", "rejected", "reconciled"),
    [
        # Only the validation result counts the documents: its successes were imported.
        (ImportStep("Completed", 100.0, None, validation=(DOCUMENTS, 0)), 0, 0, True),
        # Continue mode skipped two documents the validation rejected.
        (ImportStep("Completed", 100.0, 18, validation=(18, 2)), 2, 2, False),
        # The validation saw more lines than the check counted: the files changed.
        (ImportStep("Completed", 100.0, DOCUMENTS, validation=(DOCUMENTS + 5, 0)), 0, 0, False),
    ],
)
def test_the_validation_result_is_reconciled_with_the_counted_documents(
    fake: FakePinecone,
    documents: Source,
    step: ImportStep,
    missing: int,
    rejected: int,
    reconciled: bool,
) -> None:
    script(fake, documents, step)
    outcome = start(fake, documents, error_mode="continue")
    assert (outcome.records_missing, outcome.records_rejected, outcome.reconciled) == (
        missing,
        rejected,
        reconciled,
    )
    assert outcome.ok is reconciled
    assert outcome.to_dict()["import"]["validation"] == {
        "successes": step.validation[0] if step.validation else None,
        "errors": step.validation[1] if step.validation else None,
    }


@pytest.mark.parametrize(
    ("index", "codes"),
    [
        ({"dimension": 8}, {"P004"}),  # a legacy vector index imports Parquet
        ({"embed_model": "llama-text-embed-v2"}, {"P002", "P004"}),  # legacy integrated
        ({"schema": document_schema(sparse="keywords", embedded="summary")}, {"P002"}),
    ],
)
def test_json_lines_into_an_index_that_refuses_them_sends_no_start(
    fake: FakePinecone, documents: Source, index: dict[str, Any], codes: set[str]
) -> None:
    fake.add_index("docs", **index)
    with pytest.raises(pp.ValidationError) as info:
        start(fake, documents)
    report = info.value.report
    assert report.error_codes == codes
    assert all(report.summary.by_code[code] == 1 for code in codes)  # P002 once
    assert not fake.calls("POST", "/bulk/imports")
    assert trail(fake) == [("GET", "/indexes/docs"), ("GET", "/namespaces")]


def test_a_bad_line_refuses_the_import(fake: FakePinecone, s3_sources: dict[str, Source]) -> None:
    with pytest.raises(pp.ValidationError, match="D007") as info:
        start(fake, s3_sources["D007"])
    [found] = [f for f in info.value.report.findings if f.code == "D007"]
    assert (found.location.row, found.location.id) == (4, "doc-0004")
    assert not fake.calls("POST", "/bulk/imports")


def test_quick_without_a_manifest_cannot_reconcile(
    fake: FakePinecone, s3_sources: dict[str, Source]
) -> None:
    short = s3_sources["D007"]  # 6 lines, a bad one among them: read to the end
    report = pp.preflight(
        short.uri, index="docs", quick=True, **access(fake), storage_options=short.storage_options
    )
    assert report.error_codes == {"D007"} and report.summary.records_counted
    assert report.summary.records == 6
    many = _many_lines(s3_sources, fake)
    script(fake, many, ImportStep("Completed", 100.0, 250))
    outcome = start(fake, many, quick=True)
    summary = outcome.report.summary
    assert (summary.records, summary.records_counted) == (100, False)  # the first 100 lines
    assert (outcome.records_expected, outcome.reconciled, outcome.ok) == (None, None, True)
    script(fake, many, ImportStep("Completed", 100.0, 248, validation=(248, 2)))
    outcome = start(fake, many, quick=True, error_mode="continue")
    assert (outcome.records_rejected, outcome.reconciled, outcome.ok) == (2, False, False)


def test_quick_counts_from_the_manifest_of_a_written_prefix(
    fake: FakePinecone, s3_sources: dict[str, Source]
) -> None:
    source = s3_sources["documents"]
    root = source.uri.rsplit("/", 1)[0] + "/written"
    rows = [
        {"id": f"w{i}", "values": [0.5] * 7 + [float(i + 1)], "body": f"text {i}"}
        for i in range(250)
    ]
    pp.write(rows, root, format="jsonl", schema=SCHEMA, storage_options=source.storage_options)
    written = Source(root, source.storage_options)
    script(fake, written, ImportStep("Completed", 100.0, 250))
    outcome = start(fake, written, quick=True)
    assert outcome.report.valid  # no F004 from the lines a quick check did not read
    assert (outcome.records_expected, outcome.reconciled) == (250, True)


def _many_lines(s3_sources: dict[str, Source], fake: FakePinecone) -> Source:
    """A prefix of one 250-line file, written without a manifest."""
    import fsspec

    source = s3_sources["documents"]
    root = source.uri.rsplit("/", 1)[0] + "/many"
    line = '{{"_id":"m{i}","body":"x","embedding":[0.5,0.5,0.5,0.5,0.5,0.5,0.5,{i}.0]}}\n'
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **source.storage_options)
    with fs.open(root.removeprefix("s3://") + "/ns/part-0.jsonl", "w") as out:
        out.write("".join(line.format(i=i + 1) for i in range(250)))
    return Source(root, source.storage_options)

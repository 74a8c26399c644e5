"""Preflight against a live index and a safe `start_import`, through the real `pinecone` SDK
against the fake API, with import prefixes on a local moto S3 (`tests/support/pinecone_sources`)."""

from __future__ import annotations

from typing import Any

import pytest

import pinecone_prep as pp
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import Fault, ImportStep, document_schema
from tests.support.pinecone_sources import POLL, VALID, Source, access, script, start, trail
from tests.support.pinecone_sources import s3_sources as s3_sources  # module-scoped S3 prefixes


@pytest.fixture
def valid(s3_sources: dict[str, Source]) -> Source:
    return s3_sources["valid"]


@pytest.fixture
def fake(fake_pinecone: FakePinecone) -> FakePinecone:
    fake_pinecone.add_index("docs", dimension=8)
    return fake_pinecone


# --- preflight ----------------------------------------------------------------------------------


def test_preflight_puts_index_findings_in_the_same_report(fake_pinecone: FakePinecone) -> None:
    fake_pinecone.add_index("docs", dimension=8, cloud="gcp", namespaces={"products": 2})
    report = pp.preflight(str(VALID), index="docs", **access(fake_pinecone))
    assert [f.location.namespace for f in report.findings if f.code == "L007"] == ["products"]
    assert report.summary.by_code["L009"] == 1  # a local prefix: fine for a dry run
    assert "L010" not in report.summary.by_code  # only an s3:// source needs AWS
    offline = pp.preflight(str(VALID), index=pp.IndexDescription(dimension=16))
    assert offline.summary.by_code["R011"] == 25
    assert len(fake_pinecone.requests) == 2  # the offline description sent nothing


# --- start_import -----------------------------------------------------------------------------


def test_import_follows_progress_to_completed_and_reconciles(
    fake: FakePinecone, valid: Source
) -> None:
    script(
        fake,
        valid,
        ImportStep("Pending", 0.0, 0),
        ImportStep("InProgress", 40.0, 10),
        ImportStep("InProgress", 100.0, 25),
        ImportStep("Completed", 100.0, 25),
    )
    seen: list[pp.ImportState] = []
    outcome = start(fake, valid, progress=seen.append)
    assert [(s.status, s.percent_complete) for s in seen] == [
        ("Pending", 0.0),
        ("InProgress", 40.0),
        ("InProgress", 100.0),
        ("Completed", 100.0),
    ]
    assert outcome.ok and outcome.reconciled
    assert (outcome.records_expected, outcome.records_missing) == (25, 0)
    assert outcome.state is not None and outcome.state.finished_at
    (request,) = fake.calls("POST", "/bulk/imports", index="docs")
    assert request.body == {"uri": valid.uri, "errorMode": {"onError": "abort"}}  # explicit
    assert trail(fake) == [
        ("GET", "/indexes/docs"),
        ("GET", "/namespaces"),
        ("GET", "/namespaces"),  # namespaces again, just before starting
        ("POST", "/bulk/imports"),
        ("GET", "/bulk/imports"),  # any other import of this URI running?
        *[("GET", f"/bulk/imports/{outcome.id}")] * 4,
    ]
    assert outcome.duplicates == () and outcome.leftover_namespaces is None  # not looked for
    data = outcome.to_dict()
    assert data["report"]["valid"] is True
    assert data["import"]["status"] == "Completed" and data["import"]["reconciled"] is True
    assert "api_key" not in repr(outcome) and fake.api_key not in repr(outcome)


def test_continue_mode_reconciliation_counts_skipped_records(
    fake: FakePinecone, valid: Source
) -> None:
    script(fake, valid, ImportStep("Completed", 100.0, 22))
    outcome = start(fake, valid, error_mode="continue", integration_id="int-1")
    assert (outcome.records_missing, outcome.reconciled, outcome.ok) == (3, False, False)
    (request,) = fake.calls("POST", "/bulk/imports")
    assert request.body["errorMode"] == {"onError": "continue"}
    assert request.body["integrationId"] == "int-1"


def test_failed_import_carries_pinecone_error_text(fake: FakePinecone, valid: Source) -> None:
    reason = "Invalid parquet file: articles/part-0001.parquet"
    script(fake, valid, ImportStep("InProgress", 5.0, 0), ImportStep("Failed", 5.0, 0, reason))
    outcome = start(fake, valid)
    assert outcome.state is not None and outcome.state.error == reason
    assert not outcome.ok and outcome.records_missing is None


@pytest.mark.parametrize(
    ("index", "code"),
    [
        ({"namespaces": {"articles": 7}}, "L007"),
        ({"namespaces": {"": 3}}, "L007"),  # the default namespace is not empty
        ({"dimension": 16}, "R011"),
        ({"vector_type": "sparse", "dimension": None}, "S010"),
        ({"cloud": "gcp", "region": "us-central1"}, "L010"),
        ({"serverless": False}, "P001"),
        ({"embed_model": "multilingual-e5-large"}, "P002"),  # the server would refuse it
        ({"schema": document_schema()}, "P003"),  # a document index imports JSON Lines
        ({"schema": document_schema(embedded="summary")}, "P002"),
    ],
)
def test_refused_before_any_start_request(
    fake: FakePinecone, valid: Source, index: dict[str, Any], code: str
) -> None:
    fake.add_index("docs", **{"dimension": 8, **index})
    with pytest.raises(pp.ValidationError) as info:
        start(fake, valid)
    assert code in info.value.report.error_codes
    assert not fake.calls("POST", "/bulk/imports")
    assert trail(fake) == [("GET", "/indexes/docs"), ("GET", "/namespaces")]


def test_a_namespace_created_during_the_check_is_refused(fake: FakePinecone, valid: Source) -> None:
    def meanwhile(done: int, total: int) -> None:  # someone imports into "articles"
        fake.state.indexes["docs"].namespaces["articles"] = 4

    with pytest.raises(pp.ValidationError) as info:
        start(fake, valid, check_progress=meanwhile)
    report = info.value.report
    [late] = [f for f in report.findings if f.code == "L007"]
    assert late.location.namespace == "articles" and "while the check ran" in late.message
    assert report.summary.by_code["L007"] == 1 and not report.valid
    assert not fake.calls("POST", "/bulk/imports")


def test_force_starts_anyway_and_a_server_refusal_is_a_pinecone_error(
    fake: FakePinecone, valid: Source
) -> None:
    fake.add_index("docs", dimension=8, namespaces={"articles": 7})
    outcome = start(fake, valid, force=True, wait=False)
    assert "L007" in outcome.report.error_codes and outcome.id == "1"
    fake.add_index("gcp", dimension=8, cloud="gcp")  # the fake refuses s3:// off AWS, as Pinecone
    with pytest.raises(
        pp.PineconeError, match=r"start the import .*\[400 INVALID_ARGUMENT\] Importing from S3"
    ):
        start(fake, valid, index="gcp", force=True)


def test_quick_reads_footers_only(fake: FakePinecone, s3_sources: dict[str, Source]) -> None:
    source = s3_sources["R001"]
    with pytest.raises(pp.ValidationError, match="R001"):
        start(fake, source)
    outcome = start(fake, source, quick=True, wait=False)
    assert outcome.quick and outcome.report.valid and outcome.records_expected == 6


def test_no_wait_returns_the_id_and_wait_follows_later(fake: FakePinecone, valid: Source) -> None:
    outcome = start(fake, valid, wait=False)
    assert (outcome.id, outcome.state, outcome.ok) == ("1", None, False)
    assert not fake.calls("GET", "/bulk/imports/1")
    assert outcome.wait(poll_seconds=POLL).state is not None
    assert outcome.state is not None and outcome.state.status == "Completed"


def test_wait_stops_at_its_timeout(fake: FakePinecone, valid: Source) -> None:
    script(fake, valid, *[ImportStep("InProgress", 50.0, 0)] * 1000)
    outcome = start(fake, valid, timeout=0.1)
    assert outcome.state is not None and outcome.state.status == "InProgress"
    assert not outcome.ok and outcome.records_missing is None
    with pytest.raises(pp.UsageError, match="timeout"):
        outcome.wait(timeout=0)


def test_a_failure_while_following_names_the_running_import(
    fake: FakePinecone, valid: Source
) -> None:
    fake.state.faults.append(Fault("GET", r"^/bulk/imports/1$", 400, "try later", times=None))
    with pytest.raises(pp.PineconeError, match=r"follow import 1 .*may still be running"):
        start(fake, valid)


def test_local_prefix_and_bad_arguments_are_refused_before_any_request(
    fake: FakePinecone, valid: Source
) -> None:
    with pytest.raises(pp.UsageError, match="Pinecone cannot read"):
        pp.start_import(str(VALID), index="docs", **access(fake))
    for bad in ({"error_mode": "skip"}, {"poll_seconds": 0}, {"index": ""}):
        with pytest.raises(pp.UsageError):
            start(fake, valid, **bad)
    assert fake.requests == []


# --- list, describe, cancel ---------------------------------------------------------------------


def test_list_describe_and_cancel_imports(fake: FakePinecone) -> None:
    running = fake.seed_import("docs", "s3://b/running/", [ImportStep("InProgress", 30.0, 9)])
    done = fake.seed_import("docs", "s3://b/done/", [ImportStep("Completed", 100.0, 4)])
    states = pp.list_imports("docs", **access(fake))
    assert [(s.id, s.status) for s in states] == [(running, "InProgress"), (done, "Completed")]
    described = pp.describe_import(running, index="docs", **access(fake))
    assert (described.uri, described.percent_complete, described.done) == (
        "s3://b/running/",
        30.0,
        False,
    )
    cancelled = pp.cancel_import(running, index="docs", **access(fake))
    assert (cancelled.status, cancelled.records_imported, cancelled.done) == ("Cancelled", 9, True)
    assert pp.cancel_import(done, index="docs", **access(fake)).status == "Completed"
    assert len(fake.calls("DELETE")) == 2
    with pytest.raises(pp.PineconeError, match="describe import 99"):
        pp.describe_import("99", index="docs", **access(fake))

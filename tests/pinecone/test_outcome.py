"""What a followed import means: records reconciled (with Pinecone's validation result when it
sends one), namespaces a Failed or Cancelled import left behind, and the clock of `wait`."""

from __future__ import annotations

import pytest

import pinecone_prep as pp
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import Fault, ImportStep
from tests.support.pinecone_sources import Source, access, script, start
from tests.support.pinecone_sources import s3_sources as s3_sources  # module-scoped S3 prefixes


@pytest.fixture
def valid(s3_sources: dict[str, Source]) -> Source:
    return s3_sources["valid"]  # 25 records: __default__ 4, articles 15, products 6


@pytest.fixture
def fake(fake_pinecone: FakePinecone) -> FakePinecone:
    fake_pinecone.add_index("docs", dimension=8)
    return fake_pinecone


def test_a_failed_import_names_the_namespaces_it_left_behind(
    fake: FakePinecone, valid: Source
) -> None:
    reason = "Invalid parquet file: products/part-0000.parquet"
    script(
        fake,
        valid,
        ImportStep("InProgress", 40.0, 10, namespaces={"articles": 10}),
        ImportStep("Failed", 60.0, 15, reason, namespaces={"articles": 15}),
    )
    outcome = start(fake, valid)
    assert outcome.state is not None and outcome.state.records_imported == 15
    assert outcome.leftover_namespaces == ("articles",) and not outcome.ok
    assert outcome.advice is not None
    for words in ("Failed with 15 records imported", "'articles'", "(L007)", "Delete", "new"):
        assert words in outcome.advice
    data = outcome.to_dict()["import"]
    assert (data["records_imported"], data["leftover_namespaces"], data["advice"]) == (
        15,
        ["articles"],
        outcome.advice,
    )
    # What the advice warns of: the same import again is refused before any request.
    with pytest.raises(pp.ValidationError, match="L007"):
        start(fake, valid)
    assert len(fake.calls("POST", "/bulk/imports")) == 1


def test_a_forced_import_does_not_blame_namespaces_that_were_there(
    fake: FakePinecone, valid: Source
) -> None:
    fake.add_index("docs", dimension=8, namespaces={"products": 2})
    script(fake, valid, ImportStep("Failed", 10.0, 3, "boom", namespaces={"articles": 3}))
    outcome = start(fake, valid, force=True)
    assert outcome.leftover_namespaces == ("articles",)  # never "delete products"


def test_a_cancelled_import_leaves_namespaces_too(fake: FakePinecone, valid: Source) -> None:
    script(fake, valid, ImportStep("InProgress", 30.0, 4, namespaces={"__default__": 4}))
    outcome = start(fake, valid, wait=False)
    pp.describe_import(outcome.id, index="docs", **access(fake))
    pp.cancel_import(outcome.id, index="docs", **access(fake))
    outcome.wait(poll_seconds=0.01)
    assert outcome.state is not None and outcome.state.status == "Cancelled"
    assert outcome.leftover_namespaces == ("__default__",)
    assert outcome.advice is not None and "Cancelled with 4 records" in outcome.advice


def test_a_failure_that_wrote_nothing_leaves_nothing(fake: FakePinecone, valid: Source) -> None:
    script(fake, valid, ImportStep("Failed", 0.0, 0, "No namespace detected"))
    outcome = start(fake, valid)
    assert (outcome.leftover_namespaces, outcome.advice) == ((), None)
    assert len(fake.calls("GET", "/namespaces")) == 3  # described, rechecked, then after it


def test_when_the_namespaces_cannot_be_listed_after_a_failure_it_says_so(
    fake: FakePinecone, valid: Source
) -> None:
    def listing_breaks(state: pp.ImportState) -> None:
        if state.status == "Failed":  # the look after the failure is refused
            fake.state.faults.append(Fault("GET", r"^/namespaces$", 403, "no", "FORBIDDEN"))

    script(fake, valid, ImportStep("Failed", 50.0, 12, "boom", namespaces={"articles": 12}))
    outcome = start(fake, valid, progress=listing_breaks)
    assert outcome.state is not None and outcome.state.error == "boom"  # not lost
    assert outcome.leftover_namespaces is None and outcome.advice is not None
    assert "could not be listed" in outcome.advice and "(L007)" in outcome.advice
    assert outcome.to_dict()["import"]["leftover_namespaces"] is None


@pytest.mark.parametrize(
    ("imported", "validation", "missing", "rejected", "reconciled"),
    [
        (25, (25, 0), 0, 0, True),
        (22, (22, 3), 3, 3, False),  # continue mode skipped what validation rejected
        (25, (25, 2), 0, 2, False),  # Pinecone saw 27 records where the check counted 25
        (None, (25, 0), 0, 0, True),  # no count: the validation's successes stand in
    ],
)
def test_the_validation_result_is_read_and_reconciled(
    fake: FakePinecone,
    valid: Source,
    imported: int | None,
    validation: tuple[int, int],
    missing: int,
    rejected: int,
    reconciled: bool,
) -> None:
    script(fake, valid, ImportStep("Completed", 100.0, imported, validation=validation))
    outcome = start(fake, valid, error_mode="continue")
    assert outcome.state is not None
    assert outcome.state.validation == pp.ImportValidation(
        successes=validation[0], errors=validation[1]
    )
    assert (outcome.records_missing, outcome.records_rejected, outcome.reconciled) == (
        missing,
        rejected,
        reconciled,
    )
    assert outcome.ok is reconciled
    data = outcome.to_dict()["import"]
    assert data["validation"] == {"successes": validation[0], "errors": validation[1]}
    assert data["records_rejected"] == rejected


def test_without_a_validation_result_nothing_is_claimed(fake: FakePinecone, valid: Source) -> None:
    script(fake, valid, ImportStep("Completed", 100.0, 25))
    outcome = start(fake, valid)
    assert outcome.state is not None and outcome.state.validation is None
    assert (outcome.records_rejected, outcome.reconciled) == (None, True)


def test_an_unreadable_import_status_is_a_pinecone_error(fake: FakePinecone, valid: Source) -> None:
    script(fake, valid, ImportStep("InProgress", "half"))  # type: ignore[arg-type]
    with pytest.raises(pp.PineconeError, match=r"percentComplete='half', not a number"):
        start(fake, valid)
    fake.add_index("other", dimension=8)
    odd = fake.seed_import("other", "s3://b/odd/", [ImportStep("Completed", 100.0, 1)])
    fake.state.indexes["other"].imports[odd].uri = 7  # type: ignore[assignment]
    with pytest.raises(pp.PineconeError, match=rf"import '{odd}' with uri=7, not a string"):
        pp.list_imports("other", **access(fake))


def test_wait_sleeps_through_its_sleep_parameter(fake: FakePinecone, valid: Source) -> None:
    script(fake, valid, ImportStep("Pending"), ImportStep("InProgress", 50.0, 0))
    outcome = start(fake, valid, wait=False)
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            raise KeyboardInterrupt  # Ctrl-C while waiting between two polls

    with pytest.raises(KeyboardInterrupt):
        outcome.wait(poll_seconds=30.0, sleep=nap)
    assert naps == [30.0, 30.0, 30.0]  # no real wait: the test takes no 90 s
    assert outcome.state is not None and outcome.state.status == "InProgress"
    assert len(fake.calls("GET", f"/bulk/imports/{outcome.id}")) == 3
    assert not fake.calls("DELETE")  # the import keeps running on Pinecone

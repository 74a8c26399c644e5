"""Duplicate starts: the SDK retries `POST /bulk/imports` on a 5xx or a lost connection, so a
start may create an import although it raised, or create two. The fake API acts and then
fails (or drops the connection), and the real SDK retries."""

from __future__ import annotations

import pytest

import pinecone_prep as pp
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import Fault, ImportStep
from tests.support.pinecone_sources import Source, start
from tests.support.pinecone_sources import s3_sources as s3_sources  # module-scoped S3 prefixes

START = r"^/bulk/imports$"
AN_HOUR_AGO = "2020-01-01T00:00:00.000Z"  # long before any "last minutes"


@pytest.fixture
def valid(s3_sources: dict[str, Source]) -> Source:
    return s3_sources["valid"]


@pytest.fixture
def fake(fake_pinecone: FakePinecone) -> FakePinecone:
    fake_pinecone.add_index("docs", dimension=8)
    return fake_pinecone


def lost_answer(times: int | None, *, drop: bool = False) -> Fault:
    """Pinecone creates the import, then the answer is a 500 (or the connection ends)."""
    return Fault("POST", START, 500, "internal", "INTERNAL", times, True, drop, retry_after="0")


@pytest.mark.parametrize("drop", [False, True], ids=["500", "dropped connection"])
def test_a_retried_start_warns_of_the_first_import(
    fake: FakePinecone, valid: Source, drop: bool
) -> None:
    fake.state.faults.append(lost_answer(1, drop=drop))
    outcome = start(fake, valid, wait=False)
    assert len(fake.calls("POST", "/bulk/imports")) == 2  # the SDK retried the start
    assert outcome.id == "2"
    [first] = outcome.duplicates
    assert (first.id, first.uri, first.done) == ("1", valid.uri, False)
    assert outcome.to_dict()["import"]["duplicates"][0]["id"] == "1"


def test_a_start_that_failed_after_creating_imports_names_them(
    fake: FakePinecone, valid: Source
) -> None:
    fake.state.faults.append(lost_answer(None))
    with pytest.raises(pp.ImportStartError) as info:
        start(fake, valid)
    assert len(fake.calls("POST", "/bulk/imports")) == 4  # one try and the SDK's 3 retries
    error = info.value
    assert [s.id for s in error.imports] == ["1", "2", "3", "4"]
    assert "[500 INTERNAL] internal" in str(error)
    assert "an import of this URI is already running: 1, 2, 3, 4" in str(error)
    assert isinstance(error, pp.PineconeError)  # the CLI's exit 3


def test_a_start_that_created_nothing_stays_a_plain_error(
    fake: FakePinecone, valid: Source
) -> None:
    fake.state.faults.append(Fault("POST", START, 503, "busy", times=None, retry_after="0"))
    with pytest.raises(pp.PineconeError, match=r"start the import .*503") as info:
        start(fake, valid)
    assert type(info.value) is pp.PineconeError
    assert fake.calls("GET", "/bulk/imports")  # it looked before saying so


def test_when_the_look_fails_too_the_error_says_it_is_unknown(
    fake: FakePinecone, valid: Source
) -> None:
    fake.state.faults += [
        Fault("POST", START, 400, "uri must be a directory"),
        Fault("GET", START, 400, "listing is down"),
    ]
    with pytest.raises(pp.PineconeError) as info:
        start(fake, valid)
    message = str(info.value)
    assert "uri must be a directory" in message and "listing is down" in message
    assert "whether an import started anyway is unknown" in message


def test_only_running_or_recent_imports_of_the_same_uri_count(
    fake: FakePinecone, valid: Source
) -> None:
    done = [ImportStep("Completed", 100.0, 25)]
    running = [ImportStep("InProgress", 10.0, 0)]
    fake.seed_import("docs", valid.uri, done, created_at=AN_HOUR_AGO)  # long finished
    fake.seed_import("docs", "s3://other/prefix", running)  # another URI
    old_but_running = fake.seed_import("docs", valid.uri + "/", running, created_at=AN_HOUR_AGO)
    just_failed = fake.seed_import("docs", valid.uri, [ImportStep("Failed", 0.0, 0, "x")])
    outcome = start(fake, valid, wait=False)
    assert [s.id for s in outcome.duplicates] == [old_but_running]  # running now
    fake.state.faults.append(Fault("POST", START, 400, "refused"))
    with pytest.raises(pp.ImportStartError) as info:
        start(fake, valid)
    # After a failed start, what was created in the last minutes is named too.
    assert [s.id for s in info.value.imports] == [old_but_running, just_failed, outcome.id]
    assert (
        f"already running: {old_but_running}, {outcome.id}; imports of this URI created in the"
        f" last minutes: {just_failed} (Failed)"
    ) in str(info.value)

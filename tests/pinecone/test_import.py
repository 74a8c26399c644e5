"""Preflight against a live index and a safe `start_import`, through the real `pinecone` SDK.

Pinecone is the fake API server (`tests/fake_pinecone.py`); the import prefixes are on a local
moto S3 (`tests/endpoints.py`), because `start_import` refuses anything Pinecone cannot read.
"""

from __future__ import annotations

import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import pytest

import pinecone_prep as pp
from tests.support.endpoints import s3_storage_options
from tests.support.fake_pinecone import FakePinecone, Fault, ImportStep

FIXTURES = Path(__file__).parents[2] / "fixtures"
VALID = (
    FIXTURES / "valid"
)  # 25 dense records of dimension 8: __default__ 4, articles 15, products 6
POLL = 0.01


@dataclass(frozen=True)
class Source:
    uri: str
    storage_options: dict[str, Any]


@pytest.fixture(scope="module")
def s3_sources(s3_server: str) -> Iterator[dict[str, Source]]:
    """Import prefixes on S3, uploaded once per module (a bucket costs ~0.3 s): `valid`, and
    `R001` (one null id, which only a row scan finds)."""
    options = s3_storage_options(s3_server)
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **options)
    bucket = f"pp-import-{uuid.uuid4().hex[:8]}"
    fs.mkdir(bucket)
    sources = {}
    for name, local in (("valid", VALID), ("R001", FIXTURES / "cases" / "R001")):
        for path in sorted(local.rglob("*")):
            if path.is_file():
                fs.put_file(str(path), f"{bucket}/{name}/{path.relative_to(local).as_posix()}")
        sources[name] = Source(f"s3://{bucket}/{name}", options)
    yield sources
    fs.rm(bucket, recursive=True)


@pytest.fixture
def valid(s3_sources: dict[str, Source]) -> Source:
    return s3_sources["valid"]


@pytest.fixture
def fake(fake_pinecone: FakePinecone) -> FakePinecone:
    fake_pinecone.add_index("docs", dimension=8)
    return fake_pinecone


def access(fake: FakePinecone) -> dict[str, Any]:
    return {"api_key": fake.api_key, "host": fake.url}


def start(fake: FakePinecone, source: Source, **kwargs: Any) -> pp.ImportOutcome:
    options = {"index": "docs", "poll_seconds": POLL, **access(fake), **kwargs}
    return pp.start_import(source.uri, storage_options=source.storage_options, **options)


def script(fake: FakePinecone, source: Source, *steps: ImportStep) -> None:
    fake.state.import_scripts[source.uri] = list(steps)


def trail(fake: FakePinecone) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


# --- describe_index ---------------------------------------------------------------------------


def test_describe_index_reads_kind_dimension_cloud_and_namespaces(
    fake_pinecone: FakePinecone,
) -> None:
    fake_pinecone.add_index("dense", dimension=3, metric="dotproduct", namespaces={"": 10, "a": 5})
    fake_pinecone.add_index("sparse", vector_type="sparse", dimension=None, cloud="gcp")
    fake_pinecone.add_index("pod", serverless=False, cloud="gcp", region="us-east1")
    fake_pinecone.add_index("integrated", embed_model="multilingual-e5-large")
    describe = lambda name: pp.describe_index(name, **access(fake_pinecone))  # noqa: E731
    assert describe("dense") == pp.IndexDescription(
        name="dense",
        kind="dense",
        dimension=3,
        metric="dotproduct",
        cloud="aws",
        namespaces={"__default__": 10, "a": 5},
        host=fake_pinecone.data_host("dense"),
    )
    sparse = describe("sparse")
    assert (sparse.kind, sparse.dimension, sparse.metric, sparse.cloud) == (
        "sparse",
        None,
        "dotproduct",
        "gcp",
    )
    pod = describe("pod")
    assert (pod.serverless, pod.cloud) == (False, "gcp")  # from the environment "us-east1-gcp"
    integrated = describe("integrated")
    assert (integrated.integrated, integrated.kind, integrated.dimension) == (True, "dense", None)
    # One describe and one stats request per index, nothing else.
    assert trail(fake_pinecone)[:2] == [
        ("GET", "/indexes/dense"),
        ("POST", "/describe_index_stats"),
    ]
    assert len(fake_pinecone.requests) == 8


def test_api_key_comes_from_the_environment(
    fake: FakePinecone, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINECONE_API_KEY", fake.api_key)
    assert pp.describe_index("docs", host=fake.url).dimension == 8
    monkeypatch.delenv("PINECONE_API_KEY")
    with pytest.raises(pp.UsageError, match="PINECONE_API_KEY"):
        pp.describe_index("docs", host=fake.url)


def test_bad_key_is_a_pinecone_error_without_the_key(fake: FakePinecone) -> None:
    secret = "pcsk_SUPERSECRET_123"
    with pytest.raises(pp.PineconeError) as info:
        pp.describe_index("docs", api_key=secret, host=fake.url)
    assert "refused the API key" in str(info.value) and "401" in str(info.value)
    assert secret not in str(info.value) and secret not in repr(info.value)


def test_missing_index_is_a_pinecone_error(fake: FakePinecone) -> None:
    with pytest.raises(pp.PineconeError, match=r"describe index 'nope'.*404"):
        pp.describe_index("nope", **access(fake))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_pinecone_is_a_pinecone_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK retries a refused connection with backoff; its seam for tests skips the sleeps.
    monkeypatch.setattr("pinecone._internal.http_client._retry_sleep", lambda _: None)
    begun = time.monotonic()
    with pytest.raises(pp.PineconeError, match="cannot reach Pinecone"):
        pp.describe_index("docs", api_key="k", host=f"http://127.0.0.1:{_closed_port()}")
    assert time.monotonic() - begun < 1


def test_sdk_missing_or_unsupported_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import pinecone

    monkeypatch.setattr(pinecone, "__version__", "9.1.0")
    with pytest.raises(pp.UsageError, match=r"pinecone 9\.1\.0 .* 10\.x"):
        pp.describe_index("docs", api_key="k")
    monkeypatch.setitem(sys.modules, "pinecone", None)  # what an absent package looks like
    with pytest.raises(pp.UsageError, match=r"pip install 'pinecone-prep\[pinecone\]'"):
        pp.describe_index("docs", api_key="k")


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
        ("POST", "/describe_index_stats"),
        ("POST", "/describe_index_stats"),  # namespaces again, just before starting
        ("POST", "/bulk/imports"),
        *[("GET", f"/bulk/imports/{outcome.id}")] * 4,
    ]
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
    assert trail(fake) == [("GET", "/indexes/docs"), ("POST", "/describe_index_stats")]


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

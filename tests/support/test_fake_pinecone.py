"""The fake Pinecone server, proved against the real ``pinecone`` SDK (no mocks, no patching).

Every call below goes through the SDK's own HTTP client and msgspec decoding, so a passing
test means the fake's JSON matches what the SDK requires.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from pinecone import (
    ApiError,
    DenseVectorField,
    ImportErrorMode,
    ManagedDeployment,
    NotFoundError,
    PodDeployment,
    SparseVectorField,
    StringField,
    UnauthorizedError,
)

# Importing the fixture registers it here; conftest's pytest_plugins makes this redundant.
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import DEFAULT_NAMESPACE, Fault, ImportStep, document_schema


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> FakePinecone:
    fp: FakePinecone = request.getfixturevalue("fake_pinecone")
    fp.add_index("dense", dimension=3, metric="dotproduct", namespaces={"": 10, "a": 5})
    fp.add_index("sparse", vector_type="sparse", dimension=None, cloud="gcp", region="us-central1")
    fp.add_index("pod", serverless=False, cloud="gcp", region="us-east1")
    fp.add_index("integrated", embed_model="multilingual-e5-large", embed_field="body")
    return fp


def test_describe_index_round_trips_dense_serverless(fake: FakePinecone) -> None:
    desc = fake.client().describe_index("dense")
    assert (desc.dimension, desc.metric, desc.vector_type) == (3, "dotproduct", "dense")
    # deployment is a union; isinstance narrows it (serverless is "managed" in 2026-07).
    assert isinstance(desc.deployment, ManagedDeployment)
    assert (desc.deployment.cloud, desc.deployment.region) == ("aws", "us-east-1")
    assert desc.spec.serverless is not None and desc.spec.pod is None
    assert desc.spec.serverless.cloud == "aws"
    assert desc.embed is None
    assert (desc.status.ready, desc.status.state) == (True, "Ready")
    # Plain http survives because the fake sends the scheme; a bare host would become https.
    assert desc.host == fake.data_host("dense")


def test_describe_index_round_trips_sparse_pod_and_integrated(fake: FakePinecone) -> None:
    pc = fake.client()
    sparse = pc.describe_index("sparse")
    assert (sparse.dimension, sparse.metric, sparse.vector_type) == (None, "dotproduct", "sparse")
    assert isinstance(sparse.deployment, ManagedDeployment) and sparse.deployment.cloud == "gcp"

    pod = pc.describe_index("pod")
    assert isinstance(pod.deployment, PodDeployment)
    assert pod.spec.serverless is None
    assert pod.spec.pod is not None and pod.spec.pod.environment == "us-east1-gcp"

    integrated = pc.describe_index("integrated")
    assert integrated.embed is not None
    assert integrated.embed.model == "multilingual-e5-large"
    assert integrated.embed.field_map == {"text": "body"}
    # A 2026-07 semantic_text field reports no width: the legacy accessor cannot resolve.
    assert "dimension" not in integrated


def test_sdk_sends_version_header_and_key_is_not_recorded(fake: FakePinecone) -> None:
    fake.client().describe_index("dense")
    (req,) = fake.calls("GET", "/indexes/dense")
    assert req.index is None and req.api_key_ok
    assert req.headers["x-pinecone-api-version"] == "2026-07"
    assert "api-key" not in req.headers


def test_stats_and_namespaces_show_counts_with_default_spelling(fake: FakePinecone) -> None:
    pc = fake.client()
    with pc.Index(name="dense") as idx:
        stats = idx.describe_index_stats()
        assert {ns: s.vector_count for ns, s in stats.namespaces.items()} == {
            DEFAULT_NAMESPACE: 10,
            "a": 5,
        }
        assert (stats.total_vector_count, stats.dimension) == (15, 3)

        # limit=1 forces two pages, so the SDK's pagination loop is exercised too.
        pages = list(idx.list_namespaces(limit=1))
        assert [(ns.name, ns.record_count) for p in pages for ns in p.namespaces] == [
            (DEFAULT_NAMESPACE, 10),
            ("a", 5),
        ]
        assert idx.describe_namespace(name=DEFAULT_NAMESPACE).record_count == 10

        fake.state.default_namespace_name = ""  # the older spelling, for tools that handle both
        assert set(idx.describe_index_stats().namespaces) == {"", "a"}
    # The data plane was reached through the host describe_index returned.
    assert len(fake.calls("POST", "/describe_index_stats", index="dense")) == 2


def test_start_import_sends_uri_error_mode_and_integration(fake: FakePinecone) -> None:
    with fake.client().Index(host=fake.data_host("dense")) as idx:
        started = idx.start_import(
            "s3://bucket/prefix/", error_mode=ImportErrorMode.CONTINUE, integration_id="int-7"
        )
        bare = idx.start_import("s3://bucket/other/")
    assert started.id == "1" and bare.id == "2"
    first, second = fake.calls("POST", "/bulk/imports", index="dense")
    assert first.body == {
        "uri": "s3://bucket/prefix/",
        "errorMode": {"onError": "continue"},
        "integrationId": "int-7",
    }
    # Without error_mode the SDK sends none, leaving the server default (abort).
    assert second.body == {"uri": "s3://bucket/other/"}
    assert not fake.calls("GET", "/indexes/dense")  # host= skips the describe call


def test_describe_import_walks_scripted_progression(fake: FakePinecone) -> None:
    fake.state.import_scripts["s3://b/ok/"] = [
        ImportStep("Pending"),
        ImportStep("InProgress", 50.0, 500),
        ImportStep("Completed", 100.0, 1000),
    ]
    with fake.client().Index(name="dense") as idx:
        op_id = idx.start_import("s3://b/ok/", error_mode="abort").id
        seen = [idx.describe_import(op_id) for _ in range(4)]
    assert [s.status for s in seen] == ["Pending", "InProgress", "Completed", "Completed"]
    assert seen[1].percent_complete == 50.0
    done = seen[-1]
    assert (done.records_imported, done.uri, done.error) == (1000, "s3://b/ok/", None)
    assert done.created_at and done.finished_at
    assert seen[0].finished_at is None


def test_failed_import_shows_error_text(fake: FakePinecone) -> None:
    fake.state.import_scripts["s3://b/bad/"] = [
        ImportStep("Failed", 10.0, 0, error="Invalid parquet schema: missing column 'id'")
    ]
    with fake.client().Index(name="dense") as idx:
        op = idx.describe_import(idx.start_import("s3://b/bad/").id)
    assert op.status == "Failed"
    assert op.error == "Invalid parquet schema: missing column 'id'"


def test_list_and_cancel_imports(fake: FakePinecone) -> None:
    running = [ImportStep("InProgress", 20.0, 5)]
    earlier = fake.seed_import("dense", "s3://b/earlier/", running)
    with fake.client().Index(name="dense") as idx:
        mine = idx.start_import("s3://b/mine/").id
        assert [op.id for op in idx.list_imports()] == [earlier, mine]
        page = idx.list_imports_paginated(limit=1)
        assert len(page) == 1 and page.pagination is not None

        idx.cancel_import(earlier)
        op = idx.describe_import(earlier)
    assert (op.status, op.records_imported) == ("Cancelled", 5)
    assert op.finished_at is not None
    assert fake.calls("DELETE", f"/bulk/imports/{earlier}", index="dense")


def test_bad_api_key_raises_401_without_retries(fake: FakePinecone) -> None:
    start = time.monotonic()
    with pytest.raises(UnauthorizedError) as ctl:
        fake.client(api_key="wrong-key").describe_index("dense")
    # The data plane builds its own transport (default retries); 401 is not retried there.
    with (
        fake.client(api_key="wrong-key").Index(host=fake.data_host("dense")) as idx,
        pytest.raises(UnauthorizedError) as data,
    ):
        idx.describe_index_stats()
    assert time.monotonic() - start < 1.0
    for exc in (ctl.value, data.value):
        assert exc.status_code == 401
        assert exc.body == {
            "error": {"code": "UNAUTHENTICATED", "message": "Invalid API Key"},
            "status": 401,
        }
    assert len(fake.requests) == 2 and not any(r.api_key_ok for r in fake.requests)


def test_unknown_index_raises_404(fake: FakePinecone) -> None:
    pc = fake.client()
    with pytest.raises(NotFoundError) as exc:
        pc.describe_index("missing")
    assert exc.value.status_code == 404
    assert exc.value.body is not None and exc.value.body["error"]["code"] == "NOT_FOUND"
    with pytest.raises(NotFoundError):
        pc.Index(name="missing")
    with pc.Index(name="dense") as idx, pytest.raises(NotFoundError):
        idx.describe_import("999")


def test_server_refusals_and_injected_faults_raise_api_error(fake: FakePinecone) -> None:
    pc = fake.client()
    # s3:// on a GCP index: a 400 has no subclass, so it arrives as a bare ApiError.
    with pc.Index(name="sparse") as idx, pytest.raises(ApiError) as refused:
        idx.start_import("s3://b/x/")
    assert type(refused.value) is ApiError and refused.value.status_code == 400

    fake.state.faults.append(Fault("POST", r"^/bulk/imports$", 400, "uri must be a directory"))
    with pc.Index(name="dense") as idx:
        with pytest.raises(ApiError, match="uri must be a directory"):
            idx.start_import("s3://b/file.parquet")
        assert idx.start_import("s3://b/dir/").id  # times=1: the next call goes through


def test_document_index_schema_decodes_in_the_sdk(fake: FakePinecone) -> None:
    fake.add_index("doc", schema=document_schema(sparse="kw", text=("body",), embedded="gist"))
    fields = fake.client().describe_index("doc").schema.fields
    assert isinstance(fields["embedding"], DenseVectorField) and fields["embedding"].dimension == 8
    assert isinstance(fields["kw"], SparseVectorField)
    body, gist = fields["body"], fields["gist"]
    assert isinstance(body, StringField) and body.full_text_search is not None
    assert body.full_text_search.language == "en" and body.embed is None
    assert isinstance(gist, StringField) and gist.embed is not None
    # A dense legacy index reports the reserved sparse field too.
    assert set(fake.client().describe_index("dense").schema.fields) == {
        "_values",
        "_sparse_values",
    }
    # Pinecone embeds for "gist", so the fake refuses an import as the server does.
    with fake.client().Index(name="doc") as idx, pytest.raises(ApiError, match="integrated"):
        idx.start_import("s3://b/docs/")


def test_validation_result_is_sent_but_dropped_by_the_sdk(fake: FakePinecone) -> None:
    fake.state.import_scripts["s3://b/v/"] = [
        ImportStep("Completed", 100.0, 5, validation=(5, 2), namespaces={"new": 5})
    ]
    with fake.client().Index(name="dense") as idx:
        op = idx.describe_import(idx.start_import("s3://b/v/").id)
        assert op.records_imported == 5 and "validation_result" not in op.to_dict()
        # The wire carries it (read here without the SDK).
        raw = json.loads(_get(fake, "/data/dense/bulk/imports/1"))
    assert raw["validationResult"] == {"importSuccesses": 5, "importErrors": 2}
    # The step wrote its namespace: the listing shows it.
    assert fake.state.indexes["dense"].namespaces["new"] == 5


def _get(fake: FakePinecone, path: str) -> bytes:
    request = urllib.request.Request(fake.url + path, headers={"Api-Key": fake.api_key})
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only
    with no_proxy.open(request, timeout=5) as response:
        return bytes(response.read())


def test_stats_leave_out_empty_namespaces_the_listing_shows(fake: FakePinecone) -> None:
    fake.add_index("ns", namespaces={"full": 3, "empty": 0})
    with fake.client().Index(name="ns") as idx:
        assert set(idx.describe_index_stats().namespaces) == {"full"}
        listed = [ns.name for page in idx.list_namespaces() for ns in page.namespaces]
    assert listed == ["empty", "full"]


@pytest.mark.parametrize("drop", [False, True], ids=["500", "dropped"])
def test_a_fault_after_the_action_makes_the_sdk_retry(fake: FakePinecone, drop: bool) -> None:
    fault = Fault("POST", r"^/bulk/imports$", 500, "lost", times=1, after=True, drop=drop)
    fault.retry_after = None if drop else "0"  # a Retry-After of 0: the SDK retries at once
    fake.state.faults.append(fault)
    with fake.client().Index(name="dense") as idx:
        started = idx.start_import("s3://b/twice/")
        listed = [op.id for op in idx.list_imports()]
    # The first attempt created import 1 and lost its answer; the retry created import 2.
    assert (started.id, listed) == ("2", ["1", "2"])
    assert len(fake.calls("POST", "/bulk/imports")) == 2

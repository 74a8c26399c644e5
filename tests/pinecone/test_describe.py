"""`describe_index` through the real `pinecone` SDK against the fake API: the index family from
the schema, the vector slots, every field, and the namespaces (listing, then stats)."""

from __future__ import annotations

import socket
import sys
import time

import pytest

import pinecone_prep as pp
from pinecone_prep._schema import (
    DenseVectorField,
    MetadataField,
    SemanticTextField,
    SparseVectorField,
    StringField,
)
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import Fault, document_schema
from tests.support.pinecone_sources import VALID, access, trail


@pytest.fixture
def fake(fake_pinecone: FakePinecone) -> FakePinecone:
    fake_pinecone.add_index("docs", dimension=8)
    return fake_pinecone


def describe(fake: FakePinecone, name: str = "docs") -> pp.IndexDescription:
    return pp.describe_index(name, **access(fake))


def test_legacy_vector_indexes(fake_pinecone: FakePinecone) -> None:
    fake_pinecone.add_index("dense", dimension=3, metric="dotproduct", namespaces={"": 10, "a": 5})
    fake_pinecone.add_index("sparse", vector_type="sparse", dimension=None, cloud="gcp")
    fake_pinecone.add_index("pod", serverless=False, cloud="gcp", region="us-east1")
    # A dense vectors-API index reports "_sparse_values" as well: still one dense index.
    assert describe(fake_pinecone, "dense") == pp.IndexDescription(
        name="dense",
        kind="dense",
        dimension=3,
        metric="dotproduct",
        cloud="aws",
        family="vector",
        schema=pp.DocumentSchema(
            (
                ("_values", DenseVectorField(3, "dotproduct")),
                ("_sparse_values", SparseVectorField()),
            )
        ),
        namespaces={"__default__": 10, "a": 5},
        host=fake_pinecone.data_host("dense"),
    )
    sparse = describe(fake_pinecone, "sparse")
    assert (sparse.family, sparse.kind, sparse.dimension, sparse.metric, sparse.cloud) == (
        "vector",
        "sparse",
        None,
        "dotproduct",
        "gcp",
    )
    pod = describe(fake_pinecone, "pod")
    assert (pod.serverless, pod.cloud) == (False, "gcp")  # from the environment "us-east1-gcp"
    # One describe and one namespace listing per index, nothing else.
    assert trail(fake_pinecone) == [
        (method, path)
        for name in ("dense", "sparse", "pod")
        for method, path in (("GET", f"/indexes/{name}"), ("GET", "/namespaces"))
    ]


def test_legacy_integrated_index(fake: FakePinecone) -> None:
    fake.add_index("docs", embed_model="multilingual-e5-large", embed_field="chunk")
    index = describe(fake)
    assert (index.family, index.integrated, index.kind, index.dimension) == (
        "integrated",
        True,
        "dense",
        None,
    )
    assert index.schema == pp.DocumentSchema(
        (("chunk", SemanticTextField("multilingual-e5-large")),)
    )


def test_a_document_index_is_described_without_error(fake: FakePinecone) -> None:
    schema = document_schema(sparse="keywords", text=("title", "body"))
    schema["genre"] = {"filterable": True}  # a field from before typed schemas
    fake.add_index("docs", schema=schema, namespaces={"reviews": 3})
    index = describe(fake)
    assert (index.family, index.integrated, index.kind, index.dimension, index.metric) == (
        "document",
        False,
        "dense",
        8,
        "cosine",
    )
    assert index.schema is not None and index.schema.fields == (
        ("embedding", DenseVectorField(8, "cosine")),
        ("keywords", SparseVectorField()),
        ("title", StringField(full_text_search=True)),
        ("body", StringField(full_text_search=True)),
        ("genre", MetadataField("untyped", filterable=True)),
    )
    assert index.namespaces == {"reviews": 3}


@pytest.mark.parametrize(
    ("schema", "integrated", "kind", "dimension"),
    [
        (document_schema(dense=None), False, "dense", None),  # full text only
        (document_schema(dense=None, sparse="kw", text=()), False, "sparse", None),
        (document_schema(embedded="summary"), True, "dense", 8),
    ],
)
def test_every_document_index_shape(
    fake: FakePinecone, schema: dict[str, object], integrated: bool, kind: str, dimension: int
) -> None:
    fake.add_index("docs", schema=schema)
    index = describe(fake)
    assert (index.family, index.integrated, index.kind, index.dimension) == (
        "document",
        integrated,
        kind,
        dimension,
    )
    assert index.schema is not None
    if integrated:
        assert index.schema.embedded == ("summary",)
        assert index.schema.by_name["summary"] == StringField(embed=True)


def test_a_schema_of_metadata_only_is_a_pinecone_error(fake: FakePinecone) -> None:
    fake.add_index("docs", schema={"genre": {"filterable": True}})
    with pytest.raises(pp.PineconeError, match=r"'docs' has no vector.*\(genre\)"):
        describe(fake)


def test_a_namespace_created_empty_exists(fake: FakePinecone) -> None:
    # Stats leave an empty namespace out; the listing shows it, and L007 holds for it.
    fake.add_index("docs", dimension=8, namespaces={"articles": 0, "": 0})
    index = describe(fake)
    assert index.namespaces == {"articles": 0, "__default__": 0}
    report = pp.preflight(str(VALID), index=index)
    [taken] = [f for f in report.findings if f.code == "L007"]
    assert taken.location.namespace == "articles" and "(0 records)" in taken.message
    assert not fake.calls("POST", "/describe_index_stats")


def test_the_namespace_listing_is_followed_page_by_page(fake: FakePinecone) -> None:
    names = {f"ns-{i:03d}": i for i in range(250)}
    fake.add_index("docs", dimension=8, namespaces=names)
    assert describe(fake).namespaces == names
    pages = fake.calls("GET", "/namespaces")
    assert [p.query.get("paginationToken") for p in pages] == [None, "100", "200"]
    assert {p.query["limit"] for p in pages} == {"100"}


def test_stats_stand_in_when_the_listing_is_refused(fake: FakePinecone) -> None:
    fake.add_index("docs", dimension=8, namespaces={"articles": 4, "empty": 0})
    fake.state.faults.append(
        Fault("GET", r"^/namespaces$", 400, "not supported for pod indexes", times=None)
    )
    # The fallback cannot see the empty namespace: that is why the listing comes first.
    assert describe(fake).namespaces == {"articles": 4}
    assert trail(fake)[1:] == [("GET", "/namespaces"), ("POST", "/describe_index_stats")]


def test_a_refused_key_on_the_listing_is_not_papered_over(fake: FakePinecone) -> None:
    fake.state.faults.append(Fault("GET", r"^/namespaces$", 403, "no", code="FORBIDDEN"))
    with pytest.raises(pp.PineconeError, match=r"namespaces of index 'docs'.*refused the API key"):
        describe(fake)
    assert not fake.calls("POST", "/describe_index_stats")


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
        describe(fake, "nope")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_pinecone_is_a_pinecone_error() -> None:
    # The SDK retries a refused connection with its own backoff (about 3 s), then gives up.
    begun = time.monotonic()
    with pytest.raises(pp.PineconeError, match="cannot reach Pinecone"):
        pp.describe_index("docs", api_key="k", host=f"http://127.0.0.1:{_closed_port()}")
    assert time.monotonic() - begun < 30


def test_sdk_missing_or_unsupported_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import pinecone

    monkeypatch.setattr(pinecone, "__version__", "9.1.0")
    with pytest.raises(pp.UsageError, match=r"pinecone 9\.1\.0 .* 10\.x"):
        pp.describe_index("docs", api_key="k")
    monkeypatch.setitem(sys.modules, "pinecone", None)  # what an absent package looks like
    with pytest.raises(pp.UsageError, match=r"pip install 'pinecone-prep\[pinecone\]'"):
        pp.describe_index("docs", api_key="k")


def test_a_schema_that_cannot_be_read_is_a_pinecone_error(fake: FakePinecone) -> None:
    # The schema goes through the schema file's parser; a field it refuses names the index.
    fake.add_index("docs", schema={"v": {"type": "dense_vector", "dimension": 8, "metric": "x"}})
    with pytest.raises(pp.PineconeError, match=r"index 'docs' reports a schema .*`metric`"):
        describe(fake)

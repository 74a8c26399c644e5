"""The document schema: parsed from the 2026-07 JSON (as describe gives it), families told
apart, and every invalid schema a usage error that names its problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import pinecone_prep as pp
from pinecone_prep._schema import (
    DenseVectorField,
    DocumentSchema,
    MetadataField,
    SparseVectorField,
    StringField,
    document_schema,
    load_schema,
    parse_schema,
)

FTS = {"type": "string", "full_text_search": {"language": "en", "stemming": True}}
DENSE = {"type": "dense_vector", "dimension": 8, "metric": "Cosine", "description": "e5"}
DOC: dict[str, Any] = {"fields": {"body": FTS, "embedding": DENSE, "kw": {"type": "sparse_vector"}}}


def test_a_document_schema_parses_into_typed_fields() -> None:
    schema = parse_schema(DOC)
    assert schema.family == "document"
    assert schema.dense == ("embedding", DenseVectorField(8, "cosine", "e5"))  # lower-cased
    assert schema.sparse == "kw" and schema.texts == ("body",)
    assert schema.by_name["body"] == StringField(full_text_search=True)
    assert isinstance(schema.by_name["kw"], SparseVectorField)
    assert parse_schema(schema.to_json()) == schema  # the JSON round-trips


def test_a_describe_response_is_read_from_its_schema_key() -> None:
    described = {"name": "docs", "schema": DOC, "deployment": {"deployment_type": "managed"}}
    assert parse_schema(described) == parse_schema(DOC)


@pytest.mark.parametrize(
    ("fields", "family"),
    [
        ({"_values": {"type": "dense_vector", "dimension": 4, "metric": "dotproduct"},
          "_sparse_values": {"type": "sparse_vector"}, "genre": {"filterable": True}},
         "legacy_vector"),
        ({"_sparse_values": {"type": "sparse_vector"}}, "legacy_vector"),
        ({"chunk": {"type": "semantic_text", "model": "multilingual-e5-large"}},
         "legacy_integrated"),
        ({"genre": {"type": "string", "filterable": True}}, "unknown"),
        ({"body": {"type": "string", "embed": {"model": "llama-text-embed-v2"}}}, "document"),
    ],
)  # fmt: skip
def test_families_follow_the_servers_rule(fields: dict[str, Any], family: str) -> None:
    assert parse_schema({"fields": fields}).family == family


def test_response_only_fields_are_metadata_with_their_type() -> None:
    schema = parse_schema(
        {"fields": {**DOC["fields"], "year": {"type": "float", "filterable": True}, "x": {}}}
    )
    assert schema.by_name["year"] == MetadataField("float", filterable=True)
    assert schema.by_name["x"] == MetadataField("untyped")


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ([1, 2], "expected an object"),
        ({"fields": {}}, "has no field"),
        ({"fields": {"v": {"type": "vector"}}}, "unknown `type` 'vector'"),
        ({"fields": {"v": {"type": "dense_vector", "metric": "cosine"}}}, "`dimension` must be"),
        ({"fields": {"v": {**DENSE, "dimension": 20_001}}}, "1-20,000"),
        ({"fields": {"v": {**DENSE, "dimension": True}}}, "not True"),
        ({"fields": {"v": {**DENSE, "metric": "manhattan"}}}, "`metric` must be one of"),
        ({"fields": {"v": DENSE, "w": DENSE}}, "at most one dense_vector"),
        ({"fields": {"v": DENSE, "b": {"type": "string", "embed": {}}}}, "at most one dense"),
        ({"fields": {"a": {"type": "sparse_vector"}, "b": {"type": "sparse_vector"}}}, "sparse"),
        ({"fields": {"_body": FTS}}, "reserved"),
        ({"fields": {"$body": FTS}}, "must not start with `$`"),
        ({"fields": {"b" * 65: FTS}}, "at most 64 bytes"),
        ({"fields": {"b": {"type": "string", "full_text_search": True}}}, "object or null"),
        ({"fields": {"b": "text"}}, "a field must be a JSON object"),
        ({"fields": {f"t{i}": FTS for i in range(101)}}, "at most 100 full-text"),
    ],
)
def test_invalid_schemas_are_usage_errors_naming_the_problem(doc: Any, problem: str) -> None:
    with pytest.raises(pp.UsageError, match="invalid index schema") as caught:
        parse_schema(doc)
    assert problem in str(caught.value)


def test_only_a_document_schema_serves_a_jsonl_import(tmp_path: Path) -> None:
    legacy = {"fields": {"_values": {"type": "dense_vector", "dimension": 4, "metric": "cosine"}}}
    with pytest.raises(pp.UsageError, match="legacy vector index, which imports Parquet"):
        document_schema(legacy)
    with pytest.raises(pp.UsageError, match="semantic_text"):
        document_schema({"fields": {"c": {"type": "semantic_text", "model": "m"}}})
    with pytest.raises(pp.UsageError, match="no vector field and no searchable string field"):
        document_schema({"fields": {"g": {"type": "boolean"}}})
    with pytest.raises(pp.UsageError, match="not int"):
        document_schema(7)
    assert document_schema(parse_schema(DOC)) == parse_schema(DOC)


def test_schema_files(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text('{"fields": {"body": {"type": "string", "full_text_search": {}}}}')
    assert load_schema(path) == DocumentSchema((("body", StringField(True)),))
    assert document_schema(str(path)).texts == ("body",)
    (tmp_path / "bad.json").write_text("{fields:")
    with pytest.raises(pp.UsageError, match="is not JSON"):
        load_schema(tmp_path / "bad.json")
    with pytest.raises(pp.UsageError, match="cannot read the schema file"):
        load_schema(tmp_path / "missing.json")

"""Document indexes on the command line, against the fake API: `check --index` and `import` of a
JSON Lines prefix (P004 into a legacy index, never the `--schema` usage error), and `convert
--index`, which takes the file format and the schema (or the dimension) from the index."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pytest

import pinecone_prep as pp
from tests.support.cli import run
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import ImportStep
from tests.support.pinecone_sources import SCHEMA, Source, check_argv, import_argv
from tests.support.pinecone_sources import s3_sources as s3_sources  # module-scoped S3 prefixes

ROWS = [
    {"id": f"r{i}", "values": [0.5] * 7 + [float(i + 1)], "body": f"text {i}", "year": i}
    for i in range(3)
]


@pytest.fixture
def fake(fake_pinecone: FakePinecone, monkeypatch: pytest.MonkeyPatch) -> FakePinecone:
    monkeypatch.setenv("PINECONE_API_KEY", fake_pinecone.api_key)
    fake_pinecone.add_index("docs", schema=SCHEMA["fields"])
    fake_pinecone.add_index("vectors", dimension=8)
    return fake_pinecone


@pytest.fixture
def documents(s3_sources: dict[str, Source]) -> Source:
    return s3_sources["documents"]


def test_check_against_a_document_index(
    fake: FakePinecone, documents: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    host = ("--pinecone-host", fake.url)
    code, out, _ = run(capsys, *check_argv(documents, "--index", "docs", *host))
    report = json.loads(out)
    assert code == 0 and report["summary"]["records"] == 20
    assert {ns["kind"] for ns in report["summary"]["by_namespace"]} == {"document"}
    code, out, err = run(capsys, *check_argv(documents, "--index", "vectors", *host))
    assert code == 1 and json.loads(out)["summary"]["error_codes"] == ["P004"]
    assert "--schema" not in out + err


def test_import_of_documents_and_the_validation_result(
    fake: FakePinecone, documents: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.state.import_scripts[documents.uri] = [
        ImportStep("Completed", 100.0, 18, validation=(18, 2))
    ]
    code, out, _ = run(capsys, *import_argv(fake, documents, "--error-mode", "continue"))
    assert code == 1 and "document (schema)" in out
    assert "18 of 20 imported; 2 skipped by continue mode" in out
    assert "(Pinecone's validation rejected 2)" in out
    fake.state.import_scripts[documents.uri] = [ImportStep("Completed", 100.0, 20, None, None)]
    code, out, _ = run(capsys, *import_argv(fake, documents, "--format", "json"))
    result = json.loads(out)["import"]
    assert code == 0 and (result["records_expected"], result["reconciled"]) == (20, True)


def test_json_lines_into_a_legacy_index_is_p004_not_a_usage_error(
    fake: FakePinecone, documents: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = import_argv(fake, documents)
    argv[argv.index("docs")] = "vectors"
    code, out, err = run(capsys, *argv)
    assert code == 1 and "P004 error x1" in out and "refused" in err
    assert "--schema" not in out + err
    assert not fake.calls("POST", "/bulk/imports")


def test_quick_import_of_uncounted_lines(
    fake: FakePinecone, documents: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    root = documents.uri.rsplit("/", 1)[0] + "/cli-many"
    line = '{{"_id":"m{i}","body":"x","embedding":[0.5,0.5,0.5,0.5,0.5,0.5,0.5,{i}.0]}}\n'
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **documents.storage_options)
    with fs.open(root.removeprefix("s3://") + "/ns/part-0.jsonl", "w") as out:
        out.write("".join(line.format(i=i + 1) for i in range(150)))
    many = Source(root, documents.storage_options)
    fake.state.import_scripts[root] = [ImportStep("Completed", 100.0, 150)]
    code, out, _ = run(capsys, *import_argv(fake, many, "--quick"))
    assert code == 0 and "at least 100 records (quick" in out
    assert "Completed: 150 records imported; the quick check did not count" in out


def convert_argv(source: Path, root: Path, *extra: str) -> list[str]:
    return ["convert", str(source), "--to", str(root), "--format", "json", *extra]


def test_convert_writes_for_the_index(
    fake: FakePinecone, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    host = ("--pinecone-host", fake.url)
    code, out, err = run(capsys, *convert_argv(source, tmp_path / "docs", "--index", "docs", *host))
    assert code == 0, err
    assert [Path(f["uri"]).name for f in json.loads(out)["files"]] == ["part-00000.jsonl"]
    index = pp.describe_index("docs", api_key=fake.api_key, host=fake.url)
    assert pp.check(tmp_path / "docs", index=index).valid
    code, out, err = run(
        capsys, *convert_argv(source, tmp_path / "vec", "--index", "vectors", *host)
    )
    assert code == 0, err
    assert [Path(f["uri"]).name for f in json.loads(out)["files"]] == ["part-00000.parquet"]
    # The index's dimension judges every row: a row of another dimension is rejected.
    short = tmp_path / "short.jsonl"
    short.write_text(json.dumps({"id": "s", "values": [0.5, 1.0]}) + "\n")
    code, out, _ = run(capsys, *convert_argv(short, tmp_path / "x", "--index", "vectors", *host))
    assert code == 1 and json.loads(out)["summary"]["by_code"] == {"R011": 1}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--index", "docs", "--file-format", "parquet"), "imports JSON Lines, not Parquet"),
        (("--index", "docs", "--schema", "OTHER"), "differs from the schema of index 'docs'"),
        (("--index", "vectors", "--file-format", "jsonl"), "imports Parquet, not JSON Lines"),
        (("--index", "vectors", "--schema", "OTHER"), "imports Parquet, not JSON Lines"),
        (("--index", "vectors", "--dimension", "4"), "--dimension 4 contradicts index"),
        (("--index", "embeds"), "has integrated embedding"),
    ],
)
def test_convert_options_that_contradict_the_index(
    fake: FakePinecone,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    says: str,
) -> None:
    fake.add_index("embeds", embed_model="llama-text-embed-v2")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"fields": {"body": {"type": "string", "full_text_search": {}}}}))
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ROWS[0]) + "\n")
    argv = [str(other) if arg == "OTHER" else arg for arg in extra]
    code, _, err = run(
        capsys,
        "convert",
        str(source),
        "--to",
        str(tmp_path / "out"),
        "--pinecone-host",
        fake.url,
        *argv,
    )
    assert code == 2 and says in err
    assert not (tmp_path / "out").exists()

"""Secrets never printed: credentials in a URI (userinfo, a SAS `sig=`, `?token=`, presigned
`X-Amz-*`) or in a storage option stay out of text and JSON output and out of exception
messages; a mistyped `--storage-option` is a usage error that does not echo its value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pinecone_prep as pp
from pinecone_prep._redact import redact
from pinecone_prep._storage import Store
from tests.support.cli import run
from tests.support.endpoints import StoragePrefix, s3_storage_options

FIXTURES = Path(__file__).parents[2] / "fixtures"
SECRET = "S3CRETvalue9"  # every secret below contains it; it must never be printed


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("s3://AKIAEXAMPLE:S3CRETvalue9@bucket/p", "s3://***@bucket/p"),
        ("http://user:S3CRETvalue9@127.0.0.1:9/p", "http://***@127.0.0.1:9/p"),
        (
            "https://acct.blob.core.windows.net/c/p?sv=2022-11-02&se=2030-01-01&sp=rl"
            "&sig=S3CRETvalue9%2Bx%3D",
            "https://acct.blob.core.windows.net/c/p?sv=2022-11-02&se=2030-01-01&sp=rl&sig=***",
        ),
        ("gs://bucket/p?token=S3CRETvalue9", "gs://bucket/p?token=***"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIA%2FS3CRETvalue9&X-Amz-Security-Token=S3CRETvalue9"
            "&X-Amz-Signature=S3CRETvalue9",
            "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=***&X-Amz-Security-Token=***&X-Amz-Signature=***",
        ),
        (
            "cannot reach BlobEndpoint=http://h;AccountName=a;AccountKey=S3CRETvalue9==;",
            "cannot reach BlobEndpoint=http://h;AccountName=a;AccountKey=***;",
        ),
        # Not credentials: an Azure container in the userinfo place, plain URIs.
        (
            "az://container@acct.blob.core.windows.net/p",
            "az://container@acct.blob.core.windows.net/p",
        ),
        ("s3://bucket/p/ns/part-0.parquet", "s3://bucket/p/ns/part-0.parquet"),
    ],
)
def test_redact(uri: str, shown: str) -> None:
    assert redact(uri) == shown
    assert redact(shown) == shown


@pytest.fixture
def secret_uris(s3_prefix: StoragePrefix, tmp_path: Path) -> list[tuple[str, list[str]]]:
    """URIs with a secret, each with the options that reach its (local) endpoint."""
    data = (FIXTURES / "valid" / "__default__" / "part-0000.parquet").read_bytes()
    s3_prefix.fs.pipe_file(s3_prefix.join("ns/part-0000.parquet"), data)
    endpoint = s3_prefix.storage_options["endpoint_url"]
    s3 = [f"--storage-option={k}={json.dumps(v)}" for k, v in s3_prefix.storage_options.items()]
    dead_azure = (
        "--storage-option=connection_string=DefaultEndpointsProtocol=http;AccountName=acct;"
        f"AccountKey={SECRET}==;BlobEndpoint=http://127.0.0.1:1/acct;"
    )
    bucket = s3_prefix.bucket
    return [
        (f"s3://AKIAEXAMPLE:{SECRET}@{bucket}/imports", s3),
        (f"s3://{bucket}/imports?X-Amz-Signature={SECRET}&X-Amz-Credential={SECRET}", s3),
        (f"https://acct.blob.core.windows.net/c/p?sv=2022-11-02&sp=rl&sig={SECRET}", [dead_azure]),
        (f"{tmp_path}/nothing?token={SECRET}", []),
        (f"http://user:{SECRET}@{endpoint.removeprefix('http://')}/p", []),
    ]


def run_text(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """The exit code and everything printed, standard output and error together."""
    code, out, err = run(capsys, *argv)
    return code, out + err


@pytest.mark.parametrize("command", ["check", "plan"])
@pytest.mark.parametrize("form", ["text", "json"])
def test_no_secret_in_check_or_plan_output(
    secret_uris: list[tuple[str, list[str]]],
    capsys: pytest.CaptureFixture[str],
    command: str,
    form: str,
) -> None:
    for uri, options in secret_uris:
        code, text = run_text(capsys, command, uri, *options, "--format", form)
        assert SECRET not in text, text
        assert code in (0, 1, 3) and "Traceback" not in text
        assert redact(uri).split("?")[0].split("***")[-1] in text  # the URI is still named


def test_no_secret_from_writing_to_a_secret_uri(
    secret_uris: list[tuple[str, list[str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = str(FIXTURES / "valid" / "articles")
    for uri, options in secret_uris:
        code, text = run_text(capsys, "convert", source, "--to", uri, *options, "--format", "json")
        assert SECRET not in text, text
        assert code in (0, 1, 2, 3) and "Traceback" not in text


def test_no_secret_from_reading_a_secret_input(
    secret_uris: list[tuple[str, list[str]]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    for number, (uri, options) in enumerate(secret_uris):
        out = str(tmp_path / f"out-{number}")
        code, text = run_text(capsys, "convert", uri, "--to", out, *options)
        assert SECRET not in text, text
        assert code in (1, 2, 3) and "Traceback" not in text


def test_no_secret_in_exceptions_or_reports(s3_prefix: StoragePrefix, tmp_path: Path) -> None:
    options = s3_prefix.storage_options
    with pytest.raises(pp.StorageError) as raised:
        pp.check(f"s3://AKIAEXAMPLE:{SECRET}@{s3_prefix.bucket}/imports", storage_options=options)
    assert SECRET not in str(raised.value) and "***@" in str(raised.value)
    with pytest.raises(pp.StorageError) as raised:
        pp.plan(f"s3://AKIAEXAMPLE:{SECRET}@{s3_prefix.bucket}/imports", storage_options=options)
    assert SECRET not in str(raised.value)
    root = tmp_path / "root"
    (root / "ns").mkdir(parents=True)
    (root / "ns" / "a.parquet").write_bytes(b"not parquet")
    report = pp.check(f"{root}?sig={SECRET}")
    assert report.findings and SECRET not in json.dumps(report.to_dict())
    with pytest.raises(pp.ValidationError) as invalid:
        report.raise_for_errors()
    assert SECRET not in str(invalid.value)


def test_no_secret_from_a_storage_option_in_a_library_message(s3_server: str) -> None:
    """Libraries quote option values without a `key=` in front: the store scrubs every value
    of a secret-like option from what it passes on."""
    options = dict(s3_storage_options(s3_server), secret=SECRET)
    scrubbed = Store("s3://bucket/p", options)._describe(OSError(f"bad secret {SECRET}!"))
    assert scrubbed == "OSError: bad secret ***!"


@pytest.mark.parametrize(
    ("pairs", "says"),
    [
        ([f"secret:{SECRET}"], "#1 expects KEY=VALUE"),
        ([f"secret{SECRET}"], "#1 expects KEY=VALUE"),
        ([f".secret={SECRET}"], "#1 expects KEY=VALUE"),
        (["client_kwargs=1", f"client_kwargs.secret={SECRET}"], "#2 (client_kwargs.secret)"),
        ([f"client_kwargs.secret={SECRET}", "client_kwargs=1"], "#2 (client_kwargs)"),
    ],
)
def test_a_bad_storage_option_is_a_usage_error_without_its_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pairs: list[str], says: str
) -> None:
    argv = [f"--storage-option={pair}" for pair in pairs]
    for form in ("text", "json"):
        code, text = run_text(capsys, "check", str(tmp_path), *argv, "--format", form)
        assert code == 2, text
        assert says in text and SECRET not in text and "Traceback" not in text

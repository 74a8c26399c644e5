"""check and plan on real local object stores (S3 on moto, GCS on fake-gcs-server, Azure on
Azurite), and storage failures: exit code 3, a clear message, no secret."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

import pinecone_prep as pp
from pinecone_prep._check.scan import CheckOptions, Scan
from pinecone_prep._cli import main
from pinecone_prep._report import Report
from pinecone_prep._storage import NotParquet, Store
from tests.support.endpoints import (
    StoragePrefix,
    azure_storage_options,
    free_port,
    moto_auth_enforced,
    s3_storage_options,
    upload,
)

FIXTURES = Path(__file__).parents[2] / "fixtures"


def comparable(report: pp.Report, root: str) -> list[tuple[Any, ...]]:
    """Findings without the root, so a local and a remote report can be compared."""
    return sorted(
        (
            f.code,
            f.severity,
            f.location.uri[len(root) :],
            f.location.row,
            f.location.row_group,
            f.location.id,
        )
        for f in report.findings
        if f.code not in ("L009", "L006")
    )


@pytest.mark.parametrize(
    "case", ["valid", "cases/R005-files", "cases/F001-truncated", "cases/R034", "cases/R014"]
)
def test_remote_check_matches_local(remote_prefix: StoragePrefix, case: str) -> None:
    local = FIXTURES / case
    upload(remote_prefix, local)
    remote = pp.check(
        remote_prefix.url, storage_options=remote_prefix.storage_options, max_examples=None
    )
    here = pp.check(str(local), max_examples=None)
    assert comparable(remote, remote_prefix.url) == comparable(here, str(local))
    assert remote.summary.records == here.summary.records
    assert remote.summary.bytes == here.summary.bytes


def test_remote_plan_and_cli(
    remote_prefix: StoragePrefix, capsys: pytest.CaptureFixture[str]
) -> None:
    upload(remote_prefix, FIXTURES / "valid")
    result = pp.plan(remote_prefix.url, storage_options=remote_prefix.storage_options)
    assert result.valid and result.records == 25 and result.requests[0].uri == remote_prefix.url
    argv = [
        f"--storage-option={k}={json.dumps(v)}" for k, v in remote_prefix.storage_options.items()
    ]
    assert main(["check", remote_prefix.url, "--format", "json", *argv]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["records"] == 25
    assert ("L009" in report["summary"]["by_code"]) == (remote_prefix.backend == "azure")
    assert main(["plan", remote_prefix.url, "--format", "json", *argv]) == 0


def test_materialize_on_s3_and_replan(s3_prefix: StoragePrefix, tmp_path: Path) -> None:
    for n in range(3):
        upload_ns = FIXTURES / "valid" / "articles"
        for path in upload_ns.glob("*.parquet"):
            s3_prefix.fs.pipe_file(s3_prefix.join(f"ns-{n}/{path.name}"), path.read_bytes())
    s3_prefix.fs.invalidate_cache()
    options = s3_prefix.storage_options
    # Two namespaces per request at most: three namespaces need two requests.
    result = pp.plan(s3_prefix.url, storage_options=options, limits=pp.Limits(max_namespaces=2))
    assert [len(r.namespaces) for r in result.requests] == [2, 1]
    dest = f"s3://{s3_prefix.bucket}/split"
    done = pp.materialize(result, dest, storage_options=options)
    for request in done.requests:
        assert request.uri == f"{dest}/request-{request.number:03d}"
        again = pp.plan(request.uri, storage_options=options, limits=pp.Limits(max_namespaces=2))
        assert again.valid and len(again.requests) == 1
        assert [ns.name for ns in again.namespaces] == list(request.namespaces)
        assert again.records == 15 * len(request.namespaces)


def run_cli(
    capsys: pytest.CaptureFixture[str], uri: str, options: dict[str, Any]
) -> tuple[int, str]:
    argv = [f"--storage-option={k}={json.dumps(v)}" for k, v in options.items()]
    code = main(["check", uri, *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_missing_bucket_exits_3(
    s3_server: str, azure_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for uri, options in (
        ("s3://no-such-bucket/p", s3_storage_options(s3_server)),
        ("az://no-such-container/p", azure_storage_options(azure_server)),
    ):
        code, text = run_cli(capsys, uri, options)
        assert code == 3, text
        assert "not found" in text and uri in text and "Traceback" not in text


def test_denied_exits_3_without_the_secret(
    s3_prefix: StoragePrefix, capsys: pytest.CaptureFixture[str]
) -> None:
    upload(s3_prefix, FIXTURES / "valid")
    options = dict(s3_prefix.storage_options, key="AKIAWRONGKEY", secret="wrong-secret-XYZ")
    with moto_auth_enforced(options["endpoint_url"]):
        code, text = run_cli(capsys, s3_prefix.url, options)
    assert code == 3, text
    assert "access denied" in text
    assert "wrong-secret-XYZ" not in text and "Traceback" not in text


@pytest.mark.parametrize("make_options", [s3_storage_options, azure_storage_options])
def test_unreachable_endpoint_exits_3_fast(
    make_options: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    options = make_options(endpoint)
    uri = "s3://bucket/p" if "endpoint_url" in options else "az://container/p"
    start = time.monotonic()
    code, text = run_cli(capsys, uri, options)
    assert code == 3 and "cannot reach the storage endpoint" in text
    assert time.monotonic() - start < 5
    assert "Eby8vdM02x" not in text  # Azurite's account key is in the connection string


def test_azure_https_url_maps_to_the_account(azure_prefix: StoragePrefix) -> None:
    upload(azure_prefix, FIXTURES / "valid")
    # Pinecone's Azure form: the account comes from the host name; the emulator's endpoint
    # still comes from the connection string.
    uri = f"https://devstoreaccount1.blob.core.windows.net/{azure_prefix.bucket}/imports"
    report = pp.check(uri, storage_options=azure_prefix.storage_options)
    assert report.valid and report.summary.records == 25
    assert "L009" not in report.summary.by_code


def test_object_vanishing_mid_scan_is_a_storage_error_not_f001(s3_prefix: StoragePrefix) -> None:
    upload(s3_prefix, FIXTURES / "valid")
    victim = s3_prefix.join("products/" + next((FIXTURES / "valid" / "products").glob("*")).name)

    def delete_once(done: int, total: int) -> None:
        # The first progress call comes right after the listing, before any footer is read.
        if s3_prefix.fs.exists(victim):
            s3_prefix.fs.rm(victim)

    with pytest.raises(pp.StorageError, match="not found"):
        pp.check(s3_prefix.url, storage_options=s3_prefix.storage_options, progress=delete_once)


def test_a_denied_gcs_read_is_a_storage_error_not_f001() -> None:
    """gcsfs reports a 403 as a plain OSError, the type pyarrow uses for undecodable bytes;
    fake-gcs-server enforces no permissions, so the error is raised here as gcsfs raises it."""
    store = Store(str(FIXTURES / "valid"))
    with pytest.raises(pp.StorageError, match="Forbidden"), store.reading("articles/x"):
        raise OSError("Forbidden: b/articles/x\nCaller does not have storage.objects.get access")
    with pytest.raises(NotParquet), store.reading("articles/x"):
        raise OSError("Couldn't deserialize thrift: TProtocolException: Invalid data")


class CountingStore(Store):
    """A store that counts the footers it reads (the row scan's re-reads show up here)."""

    def __init__(self, uri: str, options: dict[str, Any]) -> None:
        super().__init__(uri, options)
        self.footers: list[str] = []

    def read_footer(self, key: str) -> Any:
        self.footers.append(key)
        return super().read_footer(key)


@pytest.mark.parametrize("case", ["valid", "cases/R005-files", "cases/F001-truncated"])
def test_footers_beyond_the_budget_are_read_again(s3_prefix: StoragePrefix, case: str) -> None:
    """A namespace of 100,000 files would hold GBs of footers: past the footer budget they are
    dropped after the survey and read again for the row scan, with the same report."""
    upload(s3_prefix, FIXTURES / case)

    def scan(budget: int) -> tuple[Report[Any], list[str]]:
        store = CountingStore(s3_prefix.url, s3_prefix.storage_options)
        found = Scan(store, CheckOptions(max_examples=None, footer_budget=budget), None)
        return Report(list(found), found.summary()), store.footers

    kept, reads_kept = scan(32 * 1024 * 1024)
    dropped, reads = scan(0)
    assert comparable(dropped, s3_prefix.url) == comparable(kept, s3_prefix.url)
    assert dropped.summary == kept.summary
    readable = [f.uri for f in kept.summary.by_file if f.readable]
    # The survey reads each file once (and confirming duplicates, the files holding
    # candidates, in both runs); dropped footers are read once more per readable file.
    assert len(reads_kept) >= len(kept.summary.by_file)
    assert len(reads) - len(reads_kept) == len(readable)

"""The local S3/GCS/Azure endpoints behave as the tool needs, and fail the way notes say.

Pins library behaviour the tool relies on (listing sizes, ranged reads, server-side copy, error
classes), so an s3fs/gcsfs/adlfs upgrade that changes it shows up here first.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import botocore.exceptions
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceRequestError
from fsspec.spec import AbstractFileSystem

from tests.support.endpoints import (
    AZURITE_ACCOUNT,
    StoragePrefix,
    azure_storage_options,
    free_port,
    gcs_storage_options,
    moto_auth_enforced,
    s3_storage_options,
)

TABLE = pa.table({"id": ["a", "b", "c"], "values": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]})


def _write_parquet(fs: AbstractFileSystem, path: str) -> None:
    with fs.open(path, "wb") as f:
        pq.write_table(TABLE, f)


def test_parquet_round_trip(remote_prefix: StoragePrefix) -> None:
    fs, path = remote_prefix.fs, remote_prefix.join("part-0.parquet")
    _write_parquet(fs, path)

    found = fs.find(remote_prefix.path, detail=True)
    assert list(found) == [path]
    size = found[path]["size"]
    assert size > 8 and size == fs.size(path)
    assert [e["name"] for e in fs.ls(remote_prefix.path, detail=True)] == [path]

    # A fresh filesystem from URL + storage_options alone: the options are complete.
    fs2, path2 = fsspec.url_to_fs(
        f"{remote_prefix.url}/part-0.parquet", **remote_prefix.storage_options
    )
    assert path2 == path
    with fs2.open(path2, "rb") as f:
        assert pq.ParquetFile(f).read().equals(TABLE)

    # Keywords only: s3fs's third positional parameter is version_id, not start.
    assert fs.cat_file(path, start=0, end=4) == b"PAR1"
    assert fs.cat_file(path, start=size - 4, end=size) == b"PAR1"
    assert fs.cat_file(path, start=size - 4, end=size + 100) == b"PAR1"  # end clipped

    copy = remote_prefix.join("copy.parquet")
    fs.copy(path, copy)  # server-side on all three (CopyObject / rewrite / Copy Blob)
    fs.invalidate_cache()  # adlfs ls ignores refresh=True; this works everywhere
    assert sorted(fs.ls(remote_prefix.path, detail=False)) == sorted([path, copy])
    assert fs.cat_file(copy) == fs.cat_file(path)

    fs.rm(remote_prefix.path, recursive=True)
    fs.invalidate_cache()
    assert fs.find(remote_prefix.path) == []


def test_azure_url_forms(azure_prefix: StoragePrefix) -> None:
    path = azure_prefix.join("x.parquet")
    azure_prefix.fs.pipe_file(path, b"PAR1")
    bucket = azure_prefix.bucket
    for url in (
        f"az://{bucket}/imports/x.parquet",
        f"abfs://{bucket}/imports/x.parquet",
        f"abfss://{bucket}/imports/x.parquet",
        # The account in the host is parsed out (connection_string wins when both are given).
        f"abfs://{bucket}@{AZURITE_ACCOUNT}.dfs.core.windows.net/imports/x.parquet",
        f"az://{bucket}@{AZURITE_ACCOUNT}.blob.core.windows.net/imports/x.parquet",
    ):
        fs, p = fsspec.url_to_fs(url, **azure_prefix.storage_options)
        assert p == path, url
        assert fs.cat_file(p) == b"PAR1", url


def test_azure_https_url_needs_translating() -> None:
    # fsspec routes https:// to its HTTP filesystem, never to adlfs; the tool must rewrite
    # https://ACCOUNT.blob.core.windows.net/CONTAINER/dir to az://CONTAINER/dir + account_name.
    fs, _ = fsspec.url_to_fs("https://acct.blob.core.windows.net/cont/dir")
    assert type(fs).__name__ == "HTTPFileSystem"
    fs, path = fsspec.url_to_fs("az://cont/dir", account_name="acct", anon=True)
    assert (path, fs.account_name) == ("cont/dir", "acct")
    fs, path = fsspec.url_to_fs("az://cont@acct.blob.core.windows.net/dir", anon=True)
    assert (path, fs.account_name) == ("cont/dir", "acct")


# Missing bucket/container. ls/info/open raise FileNotFoundError everywhere; find and writes
# differ, and the tool has to handle that itself.
MISSING_BUCKET: dict[str, dict[str, type[Exception] | None]] = {
    "s3": {"find": FileNotFoundError, "pipe": FileNotFoundError},
    "gcs": {"find": FileNotFoundError, "pipe": FileNotFoundError},
    "azure": {"find": None, "pipe": ResourceNotFoundError},  # find returns [] silently
}


def test_missing_bucket(remote_prefix: StoragePrefix) -> None:
    fs = remote_prefix.fs
    missing = f"pp-missing-{uuid.uuid4().hex[:8]}"
    for op in (
        lambda: fs.ls(f"{missing}/imports"),
        lambda: fs.info(f"{missing}/imports/a.parquet"),
        lambda: fs.open(f"{missing}/imports/a.parquet", "rb"),
    ):
        with pytest.raises(FileNotFoundError):
            op()

    expected = MISSING_BUCKET[remote_prefix.backend]
    if expected["find"] is None:
        assert fs.find(f"{missing}/imports") == []
    else:
        with pytest.raises(expected["find"]):
            fs.find(f"{missing}/imports")
    pipe_error = expected["pipe"]
    assert pipe_error is not None
    with pytest.raises(pipe_error):
        fs.pipe_file(f"{missing}/imports/a.parquet", b"x")


# fake-gcs-server accepts any credentials, so there is no GCS case here.
def test_wrong_credentials_s3(s3_prefix: StoragePrefix, s3_server: str) -> None:
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3_storage_options(s3_server, "bad"))
    with moto_auth_enforced(s3_server), pytest.raises(PermissionError, match="Access Key Id"):
        fs.ls(s3_prefix.bucket)


def test_wrong_credentials_azure(azure_prefix: StoragePrefix, azure_server: str) -> None:
    bad_key = "A" * 86 + "=="  # well-formed base64, wrong value
    fs = fsspec.filesystem(
        "az", skip_instance_cache=True, **azure_storage_options(azure_server, bad_key)
    )
    with pytest.raises(HttpResponseError) as info:
        fs.ls(azure_prefix.bucket)
    # Not ClientAuthenticationError, and not an OSError: callers must catch AzureError.
    assert type(info.value) is HttpResponseError
    assert info.value.status_code == 403
    # Azurite says AuthorizationFailure; real Azure says AuthenticationFailed for a bad key.
    assert info.value.error_code in ("AuthorizationFailure", "AuthenticationFailed")


def _fast_s3(endpoint: str) -> AbstractFileSystem:
    # Storage options alone: config_kwargs retries -> one attempt.
    return fsspec.filesystem("s3", skip_instance_cache=True, **s3_storage_options(endpoint))


def _fast_gcs(endpoint: str) -> AbstractFileSystem:
    # gcsfs has no option for it: 6 tries are baked into GCSFileSystem._request by a decorator,
    # so a one-try subclass re-wraps the undecorated method.
    import gcsfs
    from gcsfs.retry import retry_request

    class OneTryGCSFileSystem(gcsfs.GCSFileSystem):  # type: ignore[misc]
        _request = retry_request(retries=1)(gcsfs.GCSFileSystem._request.__wrapped__)

    fs: AbstractFileSystem = OneTryGCSFileSystem(
        skip_instance_cache=True, **gcs_storage_options(endpoint)
    )
    return fs


def _fast_azure(endpoint: str) -> AbstractFileSystem:
    # adlfs forwards no retry settings; swapping in a client built with retry_total=0 works.
    from azure.storage.blob.aio import BlobServiceClient

    options = azure_storage_options(f"{endpoint}/{AZURITE_ACCOUNT}")
    fs = fsspec.filesystem("az", skip_instance_cache=True, **options)
    fs.service_client = BlobServiceClient.from_connection_string(
        options["connection_string"], retry_total=0
    )
    return fs


UNREACHABLE: dict[str, tuple[Callable[[str], AbstractFileSystem], type[Exception]]] = {
    # botocore's error is not an OSError.
    "s3": (_fast_s3, botocore.exceptions.EndpointConnectionError),
    "gcs": (_fast_gcs, aiohttp.ClientConnectorError),  # an OSError subclass
    "azure": (_fast_azure, ServiceRequestError),  # not an OSError
}


@pytest.mark.parametrize("backend", list(UNREACHABLE))
def test_unreachable_endpoint_fails_fast(backend: str) -> None:
    make_fs, error = UNREACHABLE[backend]
    fs = make_fs(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    started = time.monotonic()
    with pytest.raises(error):
        fs.ls("pp-some-bucket")
    # One attempt takes ~0.3 s; the libraries' own retries take 10 s (s3fs) to 90 s (adlfs).
    # The bound leaves room for a busy machine.
    assert time.monotonic() - started < 5.0


def test_fixture_options_are_plain_data(remote_prefix: StoragePrefix) -> None:
    # The tool passes storage_options through CLI/config, so they must be plain values.
    def plain(value: Any) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        return isinstance(value, (str, int, float, bool))

    assert plain(remote_prefix.storage_options)

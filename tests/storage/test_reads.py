"""How much of an object the reads fetch, counted by the proxy in front of moto's S3: a quick
check takes the first pages of a file, not its first row group; a full check reads what it
checks."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp
from tests.support.endpoints import StoragePrefix
from tests.support.fault_proxy import FaultProxy

ROWS, DIM = 6_000, 1536  # one row group of ~37 MB: float32 noise does not compress


def one_row_group() -> bytes:
    vectors = np.random.default_rng(3).standard_normal((ROWS, DIM), dtype=np.float32) + 0.1
    table = pa.table(
        {
            "id": [f"v{i}" for i in range(ROWS)],
            "values": pa.FixedSizeListArray.from_arrays(vectors.ravel(), DIM).cast(
                pa.list_(pa.float32())
            ),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=ROWS, compression="snappy")
    return sink.getvalue()


@pytest.fixture(scope="module")
def data() -> bytes:
    return one_row_group()


def test_a_quick_check_fetches_the_first_pages_not_the_row_group(
    s3_prefix: StoragePrefix, fault_proxy: FaultProxy, data: bytes
) -> None:
    s3_prefix.fs.pipe_file(s3_prefix.join("ns/part-0.parquet"), data)
    options = fault_proxy.storage_options()
    report = pp.check(s3_prefix.url, quick=True, dimension=DIM, storage_options=options)
    assert report.valid, report.findings
    assert fault_proxy.bytes_read < 4 * 1024 * 1024 < len(data) // 8
    fault_proxy.clear()
    whole = pp.check(s3_prefix.url, dimension=DIM, storage_options=options)
    assert whole.valid and whole.summary.records == ROWS
    assert fault_proxy.bytes_read >= len(data) * 0.95  # every row: (nearly) every byte


def test_a_quick_check_of_a_wrong_dimension_reads_real_vectors(
    s3_prefix: StoragePrefix, fault_proxy: FaultProxy, data: bytes
) -> None:
    s3_prefix.fs.pipe_file(s3_prefix.join("ns/part-0.parquet"), data)
    options = fault_proxy.storage_options()
    report = pp.check(s3_prefix.url, quick=True, dimension=768, storage_options=options)
    assert "R011" in report.summary.error_codes or "S012" in report.summary.error_codes
    assert fault_proxy.bytes_read < 4 * 1024 * 1024

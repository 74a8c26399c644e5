"""One Dask cluster and one Spark session for all engine tests, every listener on 127.0.0.1.
A missing engine or Java fails the tests (the dev extra installs both engines)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """Two worker processes of one thread each (retries are per call)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        pytest.fail(f"dask[distributed] is not installed ({exc}): pip install -e '.[dev]'")
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        worker_dashboard_address="127.0.0.1:0",
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """`local[2,2]`: two task threads, and a failed task is tried once more (the fault tests
    need the retry; nothing else sees it). Python workers run this interpreter."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        pytest.fail(f"pyspark is not installed ({exc}): pip install -e '.[dev]'")
    if shutil.which("java") is None:
        pytest.fail("Spark needs Java 17 (`java` is not on PATH)")
    session = (
        SparkSession.builder.master("local[2,2]")
        .appName("pinecone-prep-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.pyspark.driver.python", sys.executable)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()

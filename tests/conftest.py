"""Shared test setup: local storage endpoints (S3, GCS, Azure) and the fake Pinecone API."""

pytest_plugins = [
    "tests.support.endpoints",
    "tests.support.fake_pinecone",
    "tests.support.fault_proxy",
]

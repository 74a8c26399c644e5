"""Shared test setup: the local endpoints (S3, GCS, Azure) and the fake Pinecone API."""

"""Shared test setup: the fake Pinecone API (and, once present, the local storage endpoints)."""

pytest_plugins = ["tests.fake_pinecone"]

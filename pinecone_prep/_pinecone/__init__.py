"""Pinecone: the index preflight, `start_import` and the import commands (`imports`), on top
of `client`, the only module that imports the `pinecone` SDK."""

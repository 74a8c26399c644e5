"""The storage edge: the only package that talks to fsspec (and pyarrow's filesystems).

`Store` (store.py) is a prefix on any fsspec filesystem; `options.py` opens it with the
libraries' retry and timeout defaults; `streams.py` holds the byte streams between pyarrow and
the stores. Errors become `StorageError` naming the URI, never the credentials.
"""

from .store import Store
from .streams import READ_BUFFER, NotParquet

__all__ = ["READ_BUFFER", "NotParquet", "Store"]

"""The Pinecone edge: the only module that imports the `pinecone` SDK.

The SDK is an optional extra, imported on first use: `check` works without it. SDK exceptions
never leave this module: API and network failures become `PineconeError`, bad configuration
becomes `UsageError`, and neither message can contain the API key.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from .._errors import PineconeError, UsageError
from .._index import IndexDescription
from .schema import description_of

SUPPORTED_SDK_MAJORS = (10,)  # 10.x reads the 2026-07 index model (schema + deployment)


MIN_SECRET = 8  # shortest key worth masking in messages


INSTALL_HINT = "pip install 'pinecone-prep[pinecone]'"


PAGE_SIZE = 100  # the largest page the namespace listing takes


MAX_PAGES = 10_000  # bounds every paginated listing (a million namespaces)


def load_sdk() -> Any:
    """The `pinecone` module, or a UsageError saying how to get a version we can drive."""
    try:
        import pinecone
    except ImportError:
        raise UsageError(f"the Pinecone SDK is not installed: {INSTALL_HINT}") from None
    version = str(getattr(pinecone, "__version__", "unknown"))
    major = version.split(".")[0]
    if not major.isdigit() or int(major) not in SUPPORTED_SDK_MAJORS:
        supported = ", ".join(f"{m}.x" for m in SUPPORTED_SDK_MAJORS)
        raise UsageError(
            f"pinecone {version} is installed but pinecone-prep drives pinecone {supported}:"
            f" {INSTALL_HINT}"
        )
    return pinecone


@dataclass(frozen=True)
class Credentials:
    """How to reach Pinecone: the key (None: the SDK reads PINECONE_API_KEY) and the
    control-plane host (None: the SDK's default or PINECONE_CONTROLLER_HOST)."""

    api_key: str | None = field(default=None, repr=False)
    host: str | None = None

    @property
    def secret(self) -> str:
        return self.api_key or os.environ.get("PINECONE_API_KEY", "")


class Client:
    """One SDK client for a `with` block; its data-plane clients close with it."""

    def __init__(self, credentials: Credentials) -> None:
        self._sdk = load_sdk()
        self._secret = credentials.secret
        self._indexes: list[Any] = []
        with self.calling("configure the Pinecone client"):
            self._pc = self._sdk.Pinecone(api_key=credentials.api_key, host=credentials.host)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        for index in self._indexes:
            index.close()
        self._pc.close()

    @contextmanager
    def calling(self, what: str) -> Iterator[None]:
        """Translate SDK errors raised while doing `what` (a phrase naming the target)."""
        sdk = self._sdk
        try:
            yield
        except (sdk.PineconeValueError, sdk.PineconeTypeError, ValueError) as exc:
            # Raised before any request: a bad argument, key or host (e.g. an unparsable URL).
            raise UsageError(self._redact(f"{what}: {exc}")) from None
        except (sdk.UnauthorizedError, sdk.ForbiddenError) as exc:
            message = f"{what}: Pinecone refused the API key: {exc}"
            raise PineconeError(self._redact(message)) from None
        except (sdk.PineconeConnectionError, sdk.PineconeTimeoutError) as exc:
            raise PineconeError(self._redact(f"{what}: cannot reach Pinecone: {exc}")) from None
        except sdk.PineconeError as exc:  # any other API status, or an unreadable response
            raise PineconeError(self._redact(f"{what}: {exc}")) from None

    def _redact(self, text: str) -> str:
        # The SDK never puts the key in a message; this holds even if a server echoed it.
        # Real keys are long; masking a short test key would mangle ordinary words.
        return text.replace(self._secret, "***") if len(self._secret) >= MIN_SECRET else text

    def data_plane(self, host: str) -> Any:
        """A data-plane client for the index served at `host` (no request is sent)."""
        with self.calling(f"open index host {host}"):
            index = self._pc.Index(host=host)
        self._indexes.append(index)
        return index

    def model(self, name: str) -> Any:
        """The index's IndexModel; an index without a host yet cannot be used."""
        with self.calling(f"describe index {name!r}"):
            model = self._pc.describe_index(name)
        if not model.host:
            raise PineconeError(
                f"index {name!r} has no host yet (state {model.status.state}); wait until it"
                " is Ready"
            )
        return model

    def describe(self, name: str) -> IndexDescription:
        model = self.model(name)
        namespaces = self.namespaces(self.data_plane(model.host), name)
        return description_of(self._sdk, model, namespaces)

    def namespaces(self, data_plane: Any, name: str) -> dict[str, int]:
        """The index's namespaces with their record counts, from the namespace listing (which
        shows a namespace created empty); from `describe_index_stats` (eventually consistent,
        and blind to empty namespaces) when the index refuses the listing, as pod indexes do."""
        sdk = self._sdk
        with self.calling(f"read the namespaces of index {name!r}"):
            try:
                return self._listed_namespaces(data_plane, name)
            except (sdk.UnauthorizedError, sdk.ForbiddenError):
                raise
            except sdk.ApiError:
                stats = data_plane.describe_index_stats()
                return {ns: int(s.vector_count) for ns, s in stats.namespaces.items()}

    def _listed_namespaces(self, data_plane: Any, name: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        token = None
        for _ in range(MAX_PAGES):
            page = data_plane.list_namespaces_paginated(limit=PAGE_SIZE, pagination_token=token)
            counts.update({ns.name: int(ns.record_count) for ns in page.namespaces})
            token = page.pagination.next if page.pagination is not None else None
            if not token:
                return counts
        raise PineconeError(f"index {name!r} still listed namespaces after {MAX_PAGES:,} pages")

    def get_json(self, data_plane: Any, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET `path` on an index's data plane through the SDK's own HTTP client (its auth,
        retries and error mapping: call it inside `calling`), and return the JSON as Pinecone
        sent it. For what the SDK's models drop: 10.2's `ImportModel` has no
        `validationResult` (API 2026-07), so import states are read from here."""
        response = data_plane._http.get(path, params=dict(params or {}))
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise PineconeError(f"Pinecone answered GET {path} with something not JSON") from None

    def get_pages(self, data_plane: Any, path: str, key: str) -> list[Any]:
        """Every item under `key` of a paginated data-plane listing (`pagination.next`)."""
        items: list[Any] = []
        params = {"limit": str(PAGE_SIZE)}
        for _ in range(MAX_PAGES):
            page = self.get_json(data_plane, path, params)
            if not isinstance(page, dict) or not isinstance(page.get(key, []), list):
                raise PineconeError(f"Pinecone answered GET {path} without a {key!r} list")
            items.extend(page.get(key, []))
            pagination = page.get("pagination")
            token = pagination.get("next") if isinstance(pagination, dict) else None
            if not token:
                return items
            params["paginationToken"] = str(token)
        raise PineconeError(f"GET {path} still had pages after {MAX_PAGES:,}")

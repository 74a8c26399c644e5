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

from .._errors import PineconeError, UsageError
from .._index import CLOUDS, IndexDescription

SUPPORTED_SDK_MAJORS = (10,)  # 10.x reads the 2026-07 index model (schema + deployment)


MIN_SECRET = 8  # shortest key worth masking in messages


INSTALL_HINT = "pip install 'pinecone-prep[pinecone]'"


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
        """The index's namespaces with their record counts."""
        with self.calling(f"read the namespaces of index {name!r}"):
            stats = data_plane.describe_index_stats()
        return {ns: int(summary.vector_count) for ns, summary in stats.namespaces.items()}


def description_of(sdk: Any, model: Any, namespaces: Mapping[str, int]) -> IndexDescription:
    """Read an IndexModel the 10.x way: vector fields from the schema, placement from the
    deployment (the legacy `.dimension`/`.spec` accessors raise on some schemas)."""
    schema = model.schema.fields
    dense = [f for f in schema.values() if isinstance(f, sdk.DenseVectorField)]
    sparse = [f for f in schema.values() if isinstance(f, sdk.SparseVectorField)]
    if len(dense) > 1 or len(sparse) > 1:
        names = ", ".join(sorted(schema))
        raise UsageError(
            f"index {model.name!r} has several vector fields ({names}); an import fills one"
            " `values` and one `sparse_values` column"
        )
    integrated = any(
        isinstance(f, sdk.SemanticTextField)
        or (isinstance(f, sdk.StringField) and (f.embed or f.sparse_embed))
        for f in schema.values()
    )
    deployment = model.deployment
    if isinstance(deployment, sdk.ManagedDeployment):
        cloud: str | None = str(deployment.cloud).lower()
    else:  # pod and BYOC name an environment such as "us-east1-gcp" or "aws-us-east-1-b921"
        cloud = next((p for p in deployment.environment.split("-") if p in CLOUDS), None)
    return IndexDescription(
        name=model.name,
        kind="sparse" if sparse and not dense else "dense",
        dimension=dense[0].dimension if dense else None,
        metric=dense[0].metric if dense else "dotproduct" if sparse else None,
        cloud=cloud if cloud in CLOUDS else None,
        serverless=not isinstance(deployment, sdk.PodDeployment),
        integrated=integrated,
        namespaces=dict(namespaces),
        host=model.host,
    )

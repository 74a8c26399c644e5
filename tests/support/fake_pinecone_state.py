"""The fake Pinecone API's state: indexes, imports and their scripts, faults, recorded requests
(the server in fake_pinecone.py reads and changes it)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


API_VERSION = "2026-07"


DEFAULT_NAMESPACE = "__default__"  # how the 2026-07 API names the default namespace


DATA_PREFIX = "/data/"


TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Cancelled"})


DROP = 0  # a status meaning: close the connection without answering


_READY_STATES = frozenset(
    {"Ready", "ScalingUp", "ScalingDown", "ScalingUpPodSize", "ScalingDownPodSize"}
)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class ImportStep:
    """One state an import reports; a script is a list of these, walked by describe_import."""

    status: str  # Pending | InProgress | Completed | Failed | Cancelled
    percent_complete: float | None = None
    records_imported: int | None = None
    error: str | None = None
    # (importSuccesses, importErrors): API 2026-07's validationResult, which SDK 10.2 drops.
    validation: tuple[int, int] | None = None
    # Namespaces (with record counts) this step has written into the index by the time it
    # is reported, as a running, failed or cancelled import leaves them behind.
    namespaces: dict[str, int] | None = None


def default_import_script() -> list[ImportStep]:
    return [
        ImportStep("Pending", 0.0, 0),
        ImportStep("InProgress", 50.0, 0),
        ImportStep("Completed", 100.0, 0),
    ]


@dataclass
class FakeImport:
    id: str
    uri: str
    error_mode: str | None
    integration_id: str | None
    steps: list[ImportStep]
    created_at: str = field(default_factory=_now)
    cursor: int = 0
    cancelled: bool = False
    finished_at: str | None = None

    def current(self) -> ImportStep:
        step = self.steps[self.cursor]
        if self.cancelled:
            return replace(step, status="Cancelled", error=None)
        return step

    def advance(self) -> None:
        """Move one step on; the last step (or a cancel) is sticky."""
        if not self.cancelled and self.cursor < len(self.steps) - 1:
            self.cursor += 1

    def to_json(self) -> dict[str, Any]:
        step = self.current()
        if step.status in TERMINAL_STATUSES and self.finished_at is None:
            self.finished_at = _now()
        # camelCase on the wire: the SDK's ImportModel is a msgspec Struct with rename="camel".
        out: dict[str, Any] = {
            "id": self.id,
            "uri": self.uri,
            "status": step.status,
            "createdAt": self.created_at,
            "finishedAt": self.finished_at,
            "percentComplete": step.percent_complete,
            "recordsImported": step.records_imported,
        }
        if step.error is not None:
            out["error"] = step.error
        if step.validation is not None:
            successes, errors = step.validation
            out["validationResult"] = {"importSuccesses": successes, "importErrors": errors}
        return out


@dataclass
class FakeIndex:
    """What describe_index reports for one index, plus its namespaces and imports."""

    dimension: int | None = 8
    metric: str = "cosine"
    vector_type: str = "dense"  # "dense" | "sparse"
    cloud: str = "aws"  # "aws" | "gcp" | "azure"
    region: str = "us-east-1"
    serverless: bool = True  # False: a pod index
    embed_model: str | None = None  # set: a legacy integrated index (semantic_text field)
    embed_field: str = "text"
    # set: describe reports these schema fields as given (e.g. `document_schema()`), instead
    # of the legacy fields built from dimension/metric/vector_type/embed_model.
    schema: dict[str, Any] | None = None
    status: str = "Ready"
    deletion_protection: str = "disabled"
    host: str | None = None  # None: this server's data plane for the index
    # Record counts by namespace; the default namespace may be keyed "" or "__default__".
    namespaces: dict[str, int] = field(default_factory=dict)
    imports: dict[str, FakeImport] = field(default_factory=dict)

    def schema_fields(self) -> dict[str, Any]:
        """The schema's fields as describe_index reports them."""
        ix = self
        if ix.schema is not None:
            return ix.schema
        if ix.embed_model is not None:
            # create_for_model indexes describe as one semantic_text field; in 2026-07 it
            # reports no dimension, so the SDK's IndexModel.dimension cannot resolve.
            return {
                ix.embed_field: {
                    "type": "semantic_text",
                    "model": ix.embed_model,
                    "metric": ix.metric,
                    "read_parameters": {"input_type": "query"},
                    "write_parameters": {"input_type": "passage"},
                }
            }
        if ix.vector_type == "sparse":
            return {"_sparse_values": {"type": "sparse_vector"}}
        # "_values" is the reserved field a dimension/metric index is described with; a
        # dense vectors-API index always reports "_sparse_values" too (2026-07 control spec).
        return {
            "_values": {"type": "dense_vector", "dimension": ix.dimension, "metric": ix.metric},
            "_sparse_values": {"type": "sparse_vector"},
        }

    def describe_json(self, name: str, host: str) -> dict[str, Any]:
        """GET /indexes/{name}; `host` is the data plane when the index names none."""
        ix = self
        deployment: dict[str, Any]
        if ix.serverless:
            deployment = {"deployment_type": "managed", "cloud": ix.cloud, "region": ix.region}
        else:
            deployment = {
                "deployment_type": "pod",
                "environment": f"{ix.region}-{ix.cloud}",
                "pod_type": "p1.x1",
                "replicas": 1,
                "shards": 1,
            }
        return {
            "name": name,
            # An explicit http:// scheme: the SDK turns a bare host into https://.
            "host": ix.host or host,
            "status": {"ready": ix.status in _READY_STATES, "state": ix.status},
            "schema": {"fields": self.schema_fields()},
            "deployment": deployment,
            "deletion_protection": ix.deletion_protection,
            "tags": None,
        }

    def counts(self, default_name: str) -> dict[str, int]:
        """Records by namespace, the default one spelled `default_name`."""
        counts: dict[str, int] = {}
        for ns, n in self.namespaces.items():
            key = default_name if ns in ("", DEFAULT_NAMESPACE) else ns
            counts[key] = counts.get(key, 0) + n
        return counts

    def stats_json(self, default_name: str) -> dict[str, Any]:
        ix, counts = self, self.counts(default_name)
        # camelCase: DescribeIndexStatsResponse is a Struct with rename="camel". Stats leave
        # out an empty namespace (the namespace listing shows it).
        out: dict[str, Any] = {
            "namespaces": {ns: {"vectorCount": n} for ns, n in counts.items() if n},
            "indexFullness": 0.0,
            "totalVectorCount": sum(counts.values()),
            "metric": ix.metric,
            "vectorType": ix.vector_type,
        }
        if ix.vector_type == "dense" and ix.dimension is not None:
            out["dimension"] = ix.dimension
        return out

    def namespaces_json(self, default_name: str, query: dict[str, str]) -> dict[str, Any]:
        prefix = query.get("prefix", "")
        counts = self.counts(default_name)
        names = sorted(ns for ns in counts if ns.startswith(prefix))
        # record_count is a string on the wire; the SDK decodes this endpoint leniently.
        items = [{"name": ns, "record_count": str(counts[ns])} for ns in names]
        page, token = _paginate(items, query)
        out: dict[str, Any] = {"namespaces": page, "total_count": len(items)}
        if token:
            out["pagination"] = {"next": token}
        return out

    def embeds(self) -> bool:
        """Whether Pinecone embeds for this index: a legacy integrated index, or a document index
        with a string field that has `embed` / `sparse_embed`."""
        return any(
            f.get("type") == "semantic_text" or f.get("embed") or f.get("sparse_embed")
            for f in self.schema_fields().values()
        )


@dataclass
class Fault:
    """Answer the next ``times`` matching requests with an error instead of the normal reply."""

    method: str
    path: str  # regex, searched in the path relative to the host (e.g. "^/bulk/imports$")
    status: int
    message: str
    code: str = "INVALID_ARGUMENT"
    times: int | None = 1  # None: forever
    # After: serve the request first (an import is created), then answer with the fault, as
    # when Pinecone acts but its answer is lost. Drop: close the connection without an answer.
    after: bool = False
    drop: bool = False
    retry_after: str | None = None  # a Retry-After header ("0": the SDK retries at once)


@dataclass
class FakeState:
    indexes: dict[str, FakeIndex] = field(default_factory=dict)
    # Scripts for imports started later, keyed by the uri the import is started with.
    import_scripts: dict[str, list[ImportStep]] = field(default_factory=dict)
    default_import_script: list[ImportStep] = field(default_factory=default_import_script)
    # Spelling used in responses for the default namespace; "" mimics pre-2025-04 stats.
    default_namespace_name: str = DEFAULT_NAMESPACE
    # Refuse start_import where the real server does (integrated/pod index, s3:// off AWS).
    enforce_import_rules: bool = True
    faults: list[Fault] = field(default_factory=list)
    next_import_id: int = 1


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # relative to the host that was called, e.g. "/bulk/imports" or "/indexes/docs"
    index: str | None  # the data-plane index addressed; None for the control plane
    query: dict[str, str]
    body: Any  # parsed JSON, or None
    headers: dict[str, str]  # lower-cased names; the api-key header is removed
    api_key_ok: bool


def document_schema(
    *,
    dense: tuple[str, int, str] | None = ("embedding", 8, "cosine"),
    sparse: str | None = None,
    text: tuple[str, ...] = ("body",),
    embedded: str | None = None,
) -> dict[str, Any]:
    """The schema fields describe reports for a document index (API 2026-07): a named dense
    field (name, dimension, metric), an optional sparse field, full-text string fields, and
    optionally a string field Pinecone embeds (which makes imports refused)."""
    fields: dict[str, Any] = {}
    if dense is not None:
        name, dimension, metric = dense
        fields[name] = {
            "type": "dense_vector",
            "dimension": dimension,
            "metric": metric,
            "description": None,
        }
    if sparse is not None:
        fields[sparse] = {"type": "sparse_vector", "description": None}
    for name in text:
        # Responses report the analyser settings resolved.
        search = {"language": "en", "stemming": False, "stop_words": False}
        fields[name] = {"type": "string", "full_text_search": search, "filterable": False}
    if embedded is not None:
        embed = {"model": "llama-text-embed-v2", "dimension": 1024, "metric": "cosine"}
        fields[embedded] = {"type": "string", "embed": embed, "filterable": False}
    return fields


def _paginate(items: list[Any], query: dict[str, str]) -> tuple[list[Any], str | None]:
    """Offset pagination with an opaque-looking token, enough to exercise the SDK's loops."""
    start = int(query.get("paginationToken") or 0)
    limit = int(query.get("limit") or 100)
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else None)

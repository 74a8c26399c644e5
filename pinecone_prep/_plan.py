"""The layout planner: footers only, never data pages.

Maps the namespaces of an import prefix, counts records (from Parquet footers) and bytes,
judges the layout rules and the per-request limits, and when the prefix is more than one
import request can take, packs whole namespaces into several requests that each fit.

A prefix of JSON Lines (a document index's import) has no footers: the plan takes its files
and bytes from the listing (a `.jsonl.gz` file counted at ten times its size, as the limits
count it) and leaves its records uncounted (None).
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from ._collector import Collector
from ._errors import UsageError
from ._limits import Limits
from ._report import Counts, Finding, Location
from ._rules.layout import JSONL_FILES
from ._rules.limits import counted_size, limit_issues
from ._storage import Store
from ._survey import Survey, SurveyOptions
from ._types import Meter, Progress, check_count, check_progress, uri_text


@dataclass(frozen=True)
class NamespacePlan:
    name: str
    files: int
    records: int | None  # None: not counted (JSON Lines)
    bytes: int
    objects: tuple[tuple[str, int], ...] = field(repr=False, default=())  # (key, bytes)

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.objects]

    @property
    def counted_bytes(self) -> int:
        """The bytes the limits judge (`counted_size`: a .jsonl.gz file at 10x)."""
        return self.bytes + sum(counted_size(k, n) - n for k, n in self.objects)


def _total(counts: Iterable[int | None]) -> int | None:
    values = list(counts)
    return None if None in values else sum(v for v in values if v is not None)


@dataclass(frozen=True)
class ImportRequest:
    """One `start_import` call: whole namespaces whose totals fit the limits."""

    number: int
    namespaces: tuple[str, ...]
    files: int
    records: int | None  # None: not counted (JSON Lines)
    bytes: int
    uri: str | None = None  # where the request's files are; set once materialized

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "uri": self.uri,
            "namespaces": list(self.namespaces),
            "files": self.files,
            "records": self.records,
            "bytes": self.bytes,
        }


@dataclass
class ImportPlan:
    """Namespaces with their totals, the requests that carry them, and layout/limit findings.

    `requests` is empty when some namespace can never be imported as it is (see `findings`).
    """

    uri: str
    limits: Limits
    namespaces: list[NamespacePlan]
    requests: list[ImportRequest]
    findings: list[Finding]
    unplaceable: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when every request fits and the layout has no error."""
        return not any(f.severity == "error" for f in self.findings) and not self.unplaceable

    @property
    def records(self) -> int | None:
        """The records of every namespace; None for JSON Lines, whose lines a plan does not
        read."""
        return _total(ns.records for ns in self.namespaces)

    @property
    def bytes(self) -> int:
        return sum(ns.bytes for ns in self.namespaces)

    def to_dict(self) -> dict[str, Any]:
        counts = Counts(**Counts().plus(self.findings))
        return {
            "valid": self.valid,
            "uri": self.uri,
            "limits": self.limits.name,
            "summary": {
                "namespaces": len(self.namespaces),
                "files": sum(ns.files for ns in self.namespaces),
                "records": self.records,
                "bytes": self.bytes,
                "requests": len(self.requests),
                **counts.counts_dict(),
            },
            "namespaces": [
                {"name": ns.name, "files": ns.files, "records": ns.records, "bytes": ns.bytes}
                for ns in self.namespaces
            ],
            "requests": [r.to_dict() for r in self.requests],
            "unplaceable": self.unplaceable,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return orjson.dumps(self.to_dict()).decode()

    def __repr__(self) -> str:
        verdict = "valid" if self.valid else "NOT IMPORTABLE"
        records = "uncounted" if self.records is None else f"{self.records:,}"
        return (
            f"<ImportPlan {verdict} {self.uri!r}: {len(self.namespaces):,} namespace(s),"
            f" {records} records, {len(self.requests):,} request(s), limits"
            f" {self.limits.name}>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td>{r.number}</td><td>{esc(', '.join(r.namespaces))}</td><td>{r.files:,}</td>"
            f"<td>{'-' if r.records is None else f'{r.records:,}'}</td><td>{r.bytes:,}</td></tr>"
            for r in self.requests
        )
        problems = "".join(f"<li>{esc(str(f))}</li>" for f in self.findings)
        return (
            f"<div>{esc(repr(self))}<table><tr><th>request</th><th>namespaces</th>"
            f"<th>files</th><th>records</th><th>bytes</th></tr>{rows}</table>"
            f"<ul>{problems}</ul></div>"
        )


def plan(
    uri: str | os.PathLike[str],
    *,
    limits: str | Limits | None = None,
    storage_options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ImportPlan:
    """Plan the import of `uri` from its listing and Parquet footers (no data pages read).

    A prefix of JSON Lines files and no Parquet is planned from its listing alone: records
    None. `limits`: a profile name or `Limits`; None is "2024" for Parquet, "documents" for
    JSON Lines (a profile that limits records cannot judge JSON Lines: a usage error)."""
    store = Store(uri_text(uri), storage_options)
    collector = Collector(max_examples=None, uri_of=store.uri_of)
    threads = check_count(workers, "workers") or ((os.cpu_count() or 2) if store.local else 32)
    with ThreadPoolExecutor(threads, thread_name_prefix="pinecone-prep-footers") as pool:
        survey = Survey(
            store,
            SurveyOptions(files=False),
            collector=collector,
            pool=pool,
            meter=Meter(check_progress(progress)),
            meter_footers=True,
        )
        findings = list(survey)
    lines = survey.import_files is JSONL_FILES
    profile = Limits.resolve(limits or ("documents" if lines else "2024"))
    if lines and profile.max_records is not None:
        raise UsageError(
            f"the {profile.name} limits cap the records of a request, which a plan of JSON"
            " Lines cannot count (it reads no line): plan with the documents limits, or check"
            " the prefix"
        )
    namespaces = [
        NamespacePlan(
            ns.name,
            len(ns.files),
            None if lines else ns.records,
            ns.bytes,
            tuple((f.key, f.bytes) for f in ns.files),
        )
        for ns in survey.namespaces
    ]
    requests, unplaceable, problems = pack(namespaces, profile)
    if len(requests) == 1 and not unplaceable:  # the prefix itself is the one request
        requests = [replace(requests[0], uri=store.uri)]
    for code, message, namespace, key in problems:
        where = Location(store.uri_of(key or namespace or ""), namespace)
        findings.append(Finding(code, "error", message, where))
    return ImportPlan(store.uri, profile, namespaces, requests, findings, unplaceable)


Problem = tuple[str, str, str | None, str | None]  # code, message, namespace, file key


def pack(
    namespaces: list[NamespacePlan], limits: Limits
) -> tuple[list[ImportRequest], list[str], list[Problem]]:
    """Pack whole namespaces into as few requests as fit (first-fit decreasing by bytes).

    Returns the requests, the namespaces that no request can take as they are, and the limit
    breaches: those of the whole prefix when it needs several requests are not errors (the
    plan splits it); those of a single namespace or file are.
    """
    problems: list[Problem] = []
    unplaceable: list[str] = []
    single = replace(limits, max_namespaces=None)
    placeable = []
    for ns in namespaces:
        # A namespace alone, against the limits of one request: what splitting cannot fix.
        sizes = [(ns.name, key, counted_size(key, size)) for key, size in ns.objects]
        records = {} if ns.records is None else {ns.name: ns.records}
        own = list(limit_issues(single, {ns.name: ns.counted_bytes}, records, sizes))
        for issue in own:
            file = issue.key if issue.code == "M004" else None
            advice = (
                "rewrite it into smaller files (pinecone-prep convert)"
                if issue.code == "M004"
                else "split it into several namespaces, or upsert it instead"
            )
            problems.append((issue.code, f"{issue.message}: {advice}", ns.name, file))
        if own:
            unplaceable.append(ns.name)
        else:
            placeable.append(ns)

    bins: list[list[NamespacePlan]] = []
    for ns in sorted(placeable, key=lambda n: (-n.counted_bytes, -(n.records or 0), n.name)):
        home = next((members for members in bins if _fits([*members, ns], limits)), None)
        if home is None:
            bins.append([ns])
        else:
            home.append(ns)
    requests = []
    for number, members in enumerate(sorted(bins, key=lambda b: min(n.name for n in b)), 1):
        members.sort(key=lambda n: n.name)
        requests.append(
            ImportRequest(
                number,
                tuple(n.name for n in members),
                sum(n.files for n in members),
                _total(n.records for n in members),
                sum(n.bytes for n in members),
            )
        )
    return requests, unplaceable, problems


def _fits(members: list[NamespacePlan], limits: Limits) -> bool:
    """Whether these namespaces fit one request (per-namespace limits are checked earlier)."""
    totals = (
        (len(members), limits.max_namespaces),
        (_total(n.records for n in members), limits.max_records),
        (sum(n.counted_bytes for n in members), limits.max_bytes),
        (sum(n.files for n in members), limits.max_files),
    )
    return all(limit is None or total is None or total <= limit for total, limit in totals)


def materialize(
    plan: ImportPlan,
    dest: str | os.PathLike[str],
    *,
    storage_options: Mapping[str, Any] | None = None,
    dest_storage_options: Mapping[str, Any] | None = None,
) -> ImportPlan:
    """Lay each request out as its own prefix `DEST/request-NNN/NAMESPACE/...` (server-side
    copies where the store has them) and return the plan with each request's URI set."""
    if not plan.valid:
        raise UsageError("the plan has errors; fix them before materializing it")
    source = Store(plan.uri, storage_options)
    target = Store(
        uri_text(dest, "dest"),
        dest_storage_options if dest_storage_options is not None else storage_options,
    )
    if target.inside(source):
        raise UsageError(
            f"{target.uri} is inside the planned prefix {source.uri}: the copies would become part"
            " of the import; materialize somewhere else"
        )
    by_name = {ns.name: ns for ns in plan.namespaces}
    done = []
    for request in plan.requests:
        folder = f"request-{request.number:03d}"
        for name in request.namespaces:
            for key in by_name[name].keys:
                source.copy_to(key, target, f"{folder}/{key}")
        done.append(replace(request, uri=target.uri_of(folder)))
    return replace(plan, requests=done)

"""Layout rules L001-L006 and L009: Pinecone's reading of an import prefix, as pure functions of
its listing. A namespace is the first folder level below the URI; only import files count
(`.parquet` for a vector index, `.jsonl` and `.jsonl.gz` for a document index: `FileKind`);
every other object is ignored by Pinecone and listed once per namespace (L006)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .._spec import JSONL, JSONL_GZ, MAX_NAMESPACE_CHARS, PARQUET, RESERVED_PREFIX
from .._types import StoredObject
from . import Issue


@dataclass(frozen=True)
class FileKind:
    """The objects an import reads: names ending in one of `suffixes` (lower case, as
    Pinecone's docs spell them), called `label` in messages."""

    suffixes: tuple[str, ...]
    label: str
    short: str  # the suffixes in one word: ".parquet", ".jsonl(.gz)"
    none_found: str  # L002's message

    def matches(self, key: str) -> bool:
        return key.endswith(self.suffixes)


PARQUET_FILES = FileKind(
    (PARQUET,), "Parquet", PARQUET, "no .parquet object under the URI ('No Parquet files found')"
)
JSONL_FILES = FileKind(
    (JSONL, JSONL_GZ), "JSON Lines", ".jsonl(.gz)", "no .jsonl or .jsonl.gz object under the URI"
)


@dataclass
class Layout:
    namespaces: dict[str, list[StoredObject]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def files(self) -> list[tuple[str, StoredObject]]:
        return [(ns, obj) for ns, objs in self.namespaces.items() for obj in objs]


def namespace_problem(name: str) -> str | None:
    """Why a namespace name is invalid (L005), or None."""
    if not name:
        return "namespace folder name is empty"
    if len(name) > MAX_NAMESPACE_CHARS:
        return f"namespace name has {len(name)} characters; the maximum is {MAX_NAMESPACE_CHARS}"
    if not name.isascii():
        return f"namespace name {name!r} is not ASCII"
    if "\x00" in name:
        return "namespace name contains NUL"
    return None


def folder_problem(name: str) -> str | None:
    """Why `name` cannot be a namespace folder written by pinecone-prep: L005, or a name that
    would leave its folder or clash with the writer's own objects."""
    problem = namespace_problem(name)
    if problem:
        return problem
    if "/" in name or name in (".", ".."):
        return f"namespace name {name!r} is not a single folder name"
    if name.startswith(RESERVED_PREFIX):
        return f"namespace names starting with {RESERVED_PREFIX!r} are reserved for the writer"
    return None


def scheme_issue(scheme: str, importable: bool) -> Issue | None:
    """L009: a URI that is fine for a dry run but that start_import cannot read."""
    if importable:
        return None
    return Issue(
        "L009",
        f"scheme {scheme!r} is fine for a dry run, but start_import needs s3://, gs:// or an"
        " Azure https:// URL",
    )


def object_issue(uri: str, files: FileKind = PARQUET_FILES) -> Issue:
    """L001 (or L002) for a URI that names an object instead of a prefix."""
    suffix = next(
        (s for s in sorted(files.suffixes, key=len, reverse=True) if uri.endswith(s)), None
    )
    if suffix is not None:
        return Issue(
            "L001",
            f"the URI names a {suffix} object; give the prefix that holds the namespace folders"
            " instead",
        )
    return Issue("L002", "the URI names an object, not a prefix")


def read_layout(objects: Sequence[StoredObject], files: FileKind = PARQUET_FILES) -> Layout:
    """Group a sorted listing into namespaces and judge the layout rules L002-L006 for the
    import files `files`."""
    layout = Layout()
    ignored: dict[str, int] = {}
    for obj in objects:
        parts = obj.key.split("/")
        if not files.matches(obj.key):
            scope = parts[0] if len(parts) > 1 else ""
            ignored[scope] = ignored.get(scope, 0) + 1
            continue
        if len(parts) == 1:
            layout.issues.append(
                Issue(
                    "L003",
                    f"{files.label} object sits directly under the URI, outside any namespace"
                    " folder (Pinecone: 'No namespace detected')",
                    obj.key,
                )
            )
            continue
        namespace = parts[0]
        if len(parts) > 2:
            layout.issues.append(
                Issue(
                    "L004",
                    f"{files.label} object is nested {len(parts) - 2} folder(s) below namespace"
                    f" {namespace!r}; Pinecone's handling of nesting is undocumented",
                    obj.key,
                    namespace,
                )
            )
        if namespace not in layout.namespaces:
            problem = namespace_problem(namespace)
            if problem:
                layout.issues.append(Issue("L005", problem, namespace, namespace))
        layout.namespaces.setdefault(namespace, []).append(obj)
    for scope, count in sorted(ignored.items()):
        where = f"namespace {scope!r}" if scope else "the URI itself"
        layout.issues.append(
            Issue(
                "L006",
                f"{count} non-{files.short} object(s) in {where} will be ignored by Pinecone",
                scope,
                scope or None,
            )
        )
    if not layout.namespaces and not any(i.code == "L003" for i in layout.issues):
        layout.issues.append(Issue("L002", files.none_found))
    return layout

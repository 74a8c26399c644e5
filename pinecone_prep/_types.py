"""Shared vocabulary: the index kinds, the progress callback, and the validators that every
public entry point uses for the options they share (so they agree on what is valid)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from ._errors import UsageError

Kind = Literal["dense", "sparse", "hybrid"]
KINDS: tuple[Kind, ...] = ("dense", "sparse", "hybrid")
Progress = Callable[[int, int], None]  # (done, total); total 0 when unknown
T = TypeVar("T")


@dataclass(frozen=True)
class StoredObject:
    """One object under a prefix: `key` is its path relative to the prefix, '/'-separated."""

    key: str
    size: int


def family(kind: Kind) -> Literal["dense", "sparse"]:
    """Dense and hybrid records can share a (dense) index; sparse ones cannot."""
    return "sparse" if kind == "sparse" else "dense"


def uri_text(uri: Any, name: str = "uri") -> str:
    """A URI or path given as str or os.PathLike, as text."""
    if isinstance(uri, os.PathLike):
        uri = os.fspath(uri)
    if not isinstance(uri, str) or not uri:
        raise UsageError(f"{name} must be a non-empty URI or path, not {uri!r}")
    return uri


def check_choice(value: T, name: str, choices: Collection[T]) -> T:
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise UsageError(f"{name} must be one of {listed}, not {value!r}")
    return value


def check_kind(value: Any) -> Kind | None:
    return None if value is None else check_choice(value, "kind", KINDS)


def check_positive(value: Any, name: str) -> int:
    """A positive int (not a bool: `dimension=True` is a mistake, not dimension 1)."""
    if type(value) is not int or value <= 0:
        raise UsageError(f"{name} must be a positive integer, not {value!r}")
    return value


def check_dimension(value: Any) -> int | None:
    return None if value is None else check_positive(value, "dimension")


def check_count(value: Any, name: str) -> int | None:
    """A whole number >= 0, or None for no limit."""
    if value is not None and (type(value) is not int or value < 0):
        raise UsageError(f"{name} must be a whole number >= 0 (or None), not {value!r}")
    return value


def check_progress(value: Any) -> Progress | None:
    if value is not None and not callable(value):
        raise UsageError("progress must be callable as progress(done, total)")
    return value  # type: ignore[no-any-return]


class Meter:
    """Progress over a known total (bytes, rows): `add` what is done; the callback, if any, gets
    (done, total) each time. Safe to call from one thread at a time."""

    def __init__(self, callback: Progress | None, total: int = 0) -> None:
        self.callback = callback
        self.total = total
        self.done = 0

    def add(self, n: int) -> None:
        self.done += n
        if self.callback is not None:
            self.callback(self.done, self.total)

    def set(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.add(0)

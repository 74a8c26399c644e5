"""Secrets out of every text the tool prints: URIs with credentials, signed query strings,
storage option values, library messages that quote them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

AZURE_SCHEMES = ("az", "abfs", "abfss")


# Keys whose values are secrets, in URI queries, connection strings, messages and options.
_SECRET_NAME = r"[\w.-]*(?:sig|signature|token|secret|password|passwd|pwd|credential|key)"


_SECRET_PAIR = re.compile(rf"(?i)\b({_SECRET_NAME})=([^&\s;'\"<>]+)")


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*)://([^/\s@?#]+)@")


_SHORTEST_SECRET = 6  # shorter option values are not scrubbed from messages verbatim


def redact(text: str) -> str:
    """`text` (a URI or a message) with credentials replaced by `***`: a URI's userinfo
    (`s3://KEY:SECRET@b` -> `s3://***@b`; an Azure `az://container@account` keeps its
    container) and the values of signature/token/secret/key-like parameters (`sig=`,
    `X-Amz-Signature=`, `AccountKey=`); other parameters (`sv=`, `se=`, `sp=`) stay."""

    def userinfo(match: re.Match[str]) -> str:
        scheme, info = match.group(1), match.group(2)
        if scheme.lower() in AZURE_SCHEMES and ":" not in info:
            return match.group(0)  # the container, not a credential
        return f"{scheme}://***@"

    return _SECRET_PAIR.sub(r"\1=***", _USERINFO.sub(userinfo, text))


def secrets_of(uri: str, options: Mapping[str, Any]) -> tuple[str, ...]:
    """Secret strings to scrub verbatim from library messages, which may quote them without
    a `key=` in front (s3fs names the bucket `KEY:SECRET@bucket` for such a URI)."""
    parts = urlsplit(uri)
    found = [parts.netloc.rpartition("@")[0]]
    found += [v for k, v in parse_qsl(parts.query) if re.fullmatch(_SECRET_NAME, k, re.I)]

    def walk(node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, Mapping):
                walk(value)
            elif isinstance(value, str) and re.fullmatch(
                _SECRET_NAME + r"|connection_string", key, re.I
            ):
                found.append(value)

    walk(options)
    return tuple(sorted({s for s in found if len(s) >= _SHORTEST_SECRET}, key=len, reverse=True))


_HINTS = (
    (FileNotFoundError, "not found (does the bucket or container exist?)"),
    (PermissionError, "access denied (check the credentials and their permissions)"),
)


def describe_error(exc: BaseException, secrets: Sequence[str] = ()) -> str:
    """A short reason without secrets: a plain hint, the exception type and its first line."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    for secret in secrets:
        text = text.replace(secret, "***")
    hint = next((h + ": " for kind, h in _HINTS if isinstance(exc, kind)), "")
    return redact(f"{hint}{type(exc).__name__}: {text}")[:300]

"""What every resolver is: pure ``match``/``parse``, one batched ``resolve`` doing I/O through an injected client.

Resolvers never import requests: they get an :class:`HttpClient` (``bibexport.http.Http`` in production, a fake
or a ``responses``-backed client in tests).  A failure of one id is an :class:`Outcome`, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bibexport.model import Endpoints, Record


@dataclass(frozen=True)
class Response:
    """What the HTTP layer hands back: enough for parsers, nothing tied to requests."""

    status: int
    content: bytes
    headers: Mapping[str, str]
    url: str

    def json(self) -> Any:
        """The body decoded as JSON; raises :class:`BadJson` (a ValueError) when it is not JSON we can read."""
        return parse_json(self.content)


def header(headers: Mapping[str, str], key: str) -> str:
    """Case-insensitive header lookup ("" when absent): a fake client may hand a plain dict."""
    wanted = key.lower()
    for k, v in headers.items():
        if k.lower() == wanted:
            return str(v)
    return ""


#: The deepest nesting accepted in a remote JSON document.  Real answers (CSL items, OpenReview notes, GitHub
#: repositories, JSON-LD graphs) are a dozen levels deep; code walking a document recursively (JSON-LD ``@graph``
#: flattening) must never get near Python's recursion limit.
MAX_JSON_DEPTH = 100
NESTED_TOO_DEEPLY = "the server sent JSON nested too deeply"


class BadJson(ValueError):
    """Remote text that is not JSON we can read; ``str()`` is a sentence for the user."""


def _reject_constant(name: str) -> Any:
    raise BadJson(f"the server sent {name}, which is not standard JSON")


def parse_json(content: bytes | str, *, strict: bool = True) -> Any:
    """Remote text → JSON value, safely: malformed text, NaN/Infinity and nesting deeper than
    :data:`MAX_JSON_DEPTH` raise :class:`BadJson` (never RecursionError).  ``strict=False`` allows control
    characters inside strings (pages put raw newlines in JSON-LD)."""
    import json

    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
    except UnicodeDecodeError:
        raise BadJson("the server sent JSON that is not UTF-8") from None
    try:
        data = json.loads(text, strict=strict, parse_constant=_reject_constant)
    except RecursionError:  # deeper than the interpreter's limit: the C decoder gives up, cleanly
        raise BadJson(NESTED_TOO_DEEPLY) from None
    except json.JSONDecodeError as exc:
        raise BadJson(f"the server sent malformed JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if _deeper_than(data, MAX_JSON_DEPTH):
        raise BadJson(NESTED_TOO_DEEPLY)
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    """True when containers nest more than ``limit`` levels (measured without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class HttpClient(Protocol):
    """The one method resolvers call.  Raises ``bibexport.errors.NetworkError`` when a request fails for good
    (connection errors, timeouts, 429/5xx after retries, body over the size cap); any other status is returned."""

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response: ...


# Outcome kinds
RESOLVED = "resolved"
NOT_FOUND = "not_found"  # the source says there is no such thing
UNAVAILABLE = "unavailable"  # the source could not be asked (403 challenge, 429, 5xx, timeout, network)
INVALID = "invalid"  # the identifier cannot be valid (checked before any request)
AMBIGUOUS = "ambiguous"  # title search found nothing acceptable


@dataclass(frozen=True)
class Outcome:
    """The result of resolving one identifier (or one title)."""

    identifier: str  # "arxiv:2305.18290", "openreview:HPuSIXJaa9", "title:..."
    kind: str = RESOLVED
    record: Record | None = None
    source: str = ""  # resolver name
    reason: str = ""  # for anything but RESOLVED: what happened, in words a user can act on
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when a record was obtained."""
        return self.kind == RESOLVED and self.record is not None


class Resolver(Protocol):
    """One source of metadata.  ``name`` is also the identifier scheme ("arxiv" → "arxiv:<id>")."""

    name: str

    def match(self, url: str) -> str | None:
        """The canonical id this resolver would look up for ``url`` (or a bare id), or None.  Pure."""
        ...

    def resolve(self, ids: Sequence[str], http: HttpClient, endpoints: Endpoints) -> dict[str, Outcome]:
        """Resolve many ids with as few requests as the API allows; one Outcome per id, keyed by id."""
        ...

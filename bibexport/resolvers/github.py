"""GitHub repositories, through the REST API (``GET /repos/{owner}/{repo}``), as CSL ``software``.

Zotero's GitHub translator is the model: the repository name is the title, the owner the (literal) author,
the description a note, GitHub the publisher.  The repository JSON carries only the owner's login, not a
display name, so the login is kept rather than guessed.  The year is the year of creation (``created_at``).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from bibexport.errors import NetworkError
from bibexport.model import Endpoints, Person, Record
from bibexport.resolvers.base import NOT_FOUND, RESOLVED, UNAVAILABLE, HttpClient, Outcome, Response, header

name = "github"

_HOSTS = {"github.com", "www.github.com"}
#: First path segments of github.com that are site sections, not users or organisations.
_RESERVED = {
    "about", "apps", "collections", "contact", "customer-stories", "enterprise", "events", "explore",
    "features", "issues", "login", "join", "marketplace", "new", "notifications", "orgs", "organizations",
    "pricing", "pulls", "search", "security", "settings", "site", "sponsors", "topics", "trending", "users",
    "readme", "codespaces", "education", "team", "resources", "solutions", "account", "dashboard",
}
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


def _repo_id(owner: str, repo: str) -> str | None:
    repo = repo.removesuffix(".git")
    if owner.lower() in _RESERVED or not _OWNER.match(owner) or not _REPO.match(repo) or repo in (".", ".."):
        return None
    return f"{owner}/{repo}"


def match(url: str) -> str | None:
    """``owner/repo`` for https://github.com/<owner>/<repo>[/...] (or ``github:owner/repo``), else None.

    A user or organisation page alone, gists, and site sections (``/topics/...``) are not repositories.
    """
    text = url.strip()
    if text.lower().startswith("github:"):
        parts = text[len("github:"):].strip("/").split("/")
        return _repo_id(parts[0], parts[1]) if len(parts) == 2 else None
    if text.lower().startswith(("github.com/", "www.github.com/")):
        text = "https://" + text
    try:
        split = urlsplit(text)
    except ValueError:
        return None
    if split.scheme.lower() not in ("http", "https") or (split.hostname or "") not in _HOSTS:
        return None
    segments = [s for s in split.path.split("/") if s]
    return _repo_id(segments[0], segments[1]) if len(segments) >= 2 else None


def _year(timestamp: Any) -> tuple[int, ...]:
    if not isinstance(timestamp, str):
        return ()
    try:
        return (_dt.datetime.fromisoformat(str(timestamp).replace("Z", "+00:00")).year,)
    except ValueError:
        return ()


def parse_repo(data: Mapping[str, Any]) -> Record:
    """The repository JSON of ``GET /repos/{owner}/{repo}`` → a ``software`` Record.  Pure.

    Raises KeyError/TypeError when the JSON is not a repository (no ``name``/``owner.login``).
    """
    login, repo = data["owner"]["login"], data["name"]
    if not (isinstance(login, str) and login and isinstance(repo, str) and repo):
        raise TypeError("the repository's name and owner must be text")
    html_url, description = data.get("html_url"), data.get("description")
    record = Record(
        type="software",
        title=repo,
        authors=(Person(literal=login),),
        issued=_year(data.get("created_at")),
        publisher="GitHub",
        url=html_url if isinstance(html_url, str) and html_url else f"https://github.com/{login}/{repo}",
        note=" ".join(description.split()) if isinstance(description, str) else "",
    )
    given = [f for f in ("title", "authors", "issued", "publisher", "url", "note") if getattr(record, f)]
    return record.replace(sources=tuple(sorted((f, name) for f in given)))


def _reset_time(headers: Mapping[str, str]) -> str:
    """`` (resets <when> UTC)`` from ``X-RateLimit-Reset`` (Unix seconds), or "" when it is not a real time
    (a hostile or broken server may send 99999999999999999, which no calendar holds)."""
    try:
        reset = int(header(headers, "x-ratelimit-reset"))
        when = _dt.datetime.fromtimestamp(reset, tz=_dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return ""
    return f" (resets {when:%Y-%m-%d %H:%M} UTC)" if reset > 0 else ""



def rate_limit_reason(headers: Mapping[str, str], *, authenticated: bool) -> str:
    """A user-facing reason for a GitHub rate limit, with what to do about it."""
    hint = "" if authenticated else "; set GITHUB_TOKEN"
    retry_after = header(headers, "retry-after")
    if retry_after and header(headers, "x-ratelimit-remaining") != "0":
        return f"GitHub API secondary rate limit (retry after {retry_after} s){hint}"
    return f"GitHub API rate limit{hint}{_reset_time(headers)}"


def _outcome(repo: str, response: Response, *, authenticated: bool) -> Outcome:
    """Turn one API answer into an Outcome.  Pure."""
    ident = f"{name}:{repo}"
    status = response.status
    if status in (404, 410):
        reason = f"no GitHub repository {repo} (or it is private)"
        return Outcome(ident, NOT_FOUND, source=name, reason=reason)
    # GitHub documents 403 or 429 for both limits; match on headers, not on the message text.
    limited = header(response.headers, "x-ratelimit-remaining") == "0" or bool(
        header(response.headers, "retry-after")
    )
    if status == 429 or (status == 403 and limited):
        reason = rate_limit_reason(response.headers, authenticated=authenticated)
        return Outcome(ident, UNAVAILABLE, source=name, reason=reason)
    if status == 401:
        return Outcome(ident, UNAVAILABLE, source=name, reason="GitHub rejected GITHUB_TOKEN (HTTP 401)")
    if status != 200:
        return Outcome(ident, UNAVAILABLE, source=name, reason=f"GitHub API answered HTTP {status}")
    try:
        record = parse_repo(response.json())
    except ValueError as exc:  # BadJson: say what was wrong with it
        return Outcome(ident, UNAVAILABLE, source=name, reason=f"GitHub API answer is not a repository ({exc})")
    except (KeyError, TypeError):
        return Outcome(ident, UNAVAILABLE, source=name, reason="GitHub API answer is not a repository")
    full_name = f"{record.authors[0].literal}/{record.title}"
    moved = full_name.lower() != repo.lower()  # the API follows renames and transfers
    warnings = (f"GitHub repository {repo} moved to {full_name}",) if moved else ()
    return Outcome(ident, RESOLVED, record=record, source=name, warnings=warnings)


def resolve(
    ids: Sequence[str], http: HttpClient, endpoints: Endpoints, *, token: str | None = None
) -> dict[str, Outcome]:
    """One API call per repository (the REST API has no batch lookup).

    ``token`` defaults to ``$GITHUB_TOKEN``; with one, the limit is 5,000 requests/hour instead of 60.
    After a rate-limit answer the remaining ids are not asked (they would fail the same way).
    """
    token = os.environ.get("GITHUB_TOKEN", "") if token is None else token
    headers = dict(_HEADERS)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    out: dict[str, Outcome] = {}
    limited: Outcome | None = None
    for repo in dict.fromkeys(ids):
        if limited is not None:
            out[repo] = Outcome(f"{name}:{repo}", UNAVAILABLE, source=name, reason=limited.reason)
            continue
        owner, _, project = repo.partition("/")
        url = f"{endpoints.github_api.rstrip('/')}/repos/{quote(owner)}/{quote(project)}"
        try:
            out[repo] = _outcome(repo, http.get(url, headers=headers), authenticated=bool(token))
        except NetworkError as exc:
            reason = rate_limit_reason({}, authenticated=bool(token)) if exc.status == 429 else exc.reason
            kind = NOT_FOUND if exc.kind == "not_found" else UNAVAILABLE
            out[repo] = Outcome(f"{name}:{repo}", kind, source=name, reason=reason)
        if "rate limit" in out[repo].reason:
            limited = out[repo]
    return out


@dataclass
class GithubResolver:
    """The registry's GitHub resolver; ``token`` None means ``$GITHUB_TOKEN`` at resolve time."""

    name: str = name
    token: str | None = None

    def match(self, url: str) -> str | None:
        """See :func:`match`."""
        return match(url)

    def resolve(self, ids: Sequence[str], http: HttpClient, endpoints: Endpoints) -> dict[str, Outcome]:
        """See :func:`resolve`."""
        return resolve(ids, http, endpoints, token=self.token)

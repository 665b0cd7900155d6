"""Test doubles shared by the resolver tests (``from tests.fakes import FakeHttp``)."""

from __future__ import annotations

from collections.abc import Mapping

from bibexport.errors import NetworkError
from bibexport.resolvers.base import Response


class FakeHttp:
    """An HttpClient answering from a URL → Response (or NetworkError) table; records each call."""

    def __init__(self, answers: Mapping[str, Response | NetworkError]):
        self.answers = dict(answers)
        self.calls: list[tuple[str, dict[str, str]]] = []

    def get(self, url: str, *, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
        self.calls.append((url, dict(headers or {})))
        answer = self.answers[url]
        if isinstance(answer, NetworkError):
            raise answer
        return answer

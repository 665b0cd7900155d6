"""Shared pytest fixtures.

``no_internet`` (autouse) makes every test offline: a socket may only connect to loopback (127.0.0.0/8, ::1)
or a Unix socket, and host names other than ``localhost`` are not resolved.  HTTP is replayed with
``responses`` (which never opens a socket) or served by a real server on 127.0.0.1.  A test that would reach
the internet fails loudly with :class:`RealNetworkBlocked` (not an OSError, so no client retries it).

Hypothesis runs **derandomized** by default (profile ``ci``): the same examples on every run and machine, no
example database, so a property test never fails at random in CI.  Every failure found is kept as an explicit
``@example`` beside its test.  ``pytest --hypothesis-profile=explore`` draws fresh random examples
for a nightly-style hunt; what it finds becomes a new ``@example``.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=1000, print_blob=True)
settings.load_profile("ci")


class RealNetworkBlocked(RuntimeError):
    """Raised when a test tries to reach a non-loopback address."""


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forbid connections (and DNS look-ups) to anything but loopback for the duration of each test."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise RealNetworkBlocked(f"test tried to connect to {address!r}; tests must stay offline")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise RealNetworkBlocked(f"test tried to resolve {host!r}; tests must stay offline")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def private_cache_and_locks(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Builds in tests (in-process or in subprocesses, which inherit the environment) use a temporary render
    cache and lock folder, never the user's."""
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("BIBEXPORT_CACHE_DIR", str(base / "render-cache"))
    if "BIBEXPORT_LOCK_DIR" not in __import__("os").environ:
        monkeypatch.setenv("BIBEXPORT_LOCK_DIR", str(base / "locks"))

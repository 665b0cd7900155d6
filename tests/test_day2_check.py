"""Issue 14 ("day two"), points 9, 10 and 14: ``check`` without a network, the result cache keyed by the
endpoint asked, and the small CLI inconsistencies (``resolve`` exit codes, no retry on a DNS failure, a bad
``style`` in ``[course]``).

DNS failures are made the way a machine without a network makes them: ``socket.getaddrinfo`` raises
``socket.gaierror`` (in-process by monkeypatching, in a subprocess through a ``sitecustomize`` module that
also logs every look-up), never the conftest's :class:`RealNetworkBlocked`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bibexport import http as bhttp
from bibexport.errors import NetworkError

ROOT = Path(__file__).resolve().parent.parent

#: A sitecustomize that makes every name but loopback fail as with no network (EAI_NONAME, as on this kind of
#: machine) and logs each look-up to $DNS_LOG, so a test can count attempts without timing anything.
SITECUSTOMIZE = '''
import os, socket
_real = socket.getaddrinfo
def _fake(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else str(host)
    with open(os.environ["DNS_LOG"], "a", encoding="utf-8") as log:
        log.write(name + "\\n")
    if name in ("localhost", "127.0.0.1", "::1") or name.startswith("127."):
        return _real(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
socket.getaddrinfo = _fake
'''


def run_without_dns(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[
        subprocess.CompletedProcess[str], list[str]]:
    """Run ``python -m bibexport ARGS`` where no host name resolves; the result and the names looked up."""
    hook = cwd / ".nodns"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = cwd / ".dns.log"
    log.write_text("", encoding="utf-8")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_"))}
    full.update(env or {})
    full["DNS_LOG"] = str(log)
    full["BIBEXPORT_LOCK_DIR"] = str(cwd / ".locks")
    full["BIBEXPORT_CACHE_DIR"] = str(cwd / ".cache")
    full["XDG_CACHE_HOME"] = str(cwd / ".xdg")
    full["PYTHONPATH"] = os.pathsep.join([str(hook), str(ROOT)])
    proc = subprocess.run([sys.executable, "-m", "bibexport", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=300, check=False)
    return proc, log.read_text(encoding="utf-8").split()


def fail_dns(monkeypatch: pytest.MonkeyPatch, calls: list[str]) -> None:
    """In-process: every non-loopback name fails to resolve with a real ``socket.gaierror``."""
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        calls.append(name)
        if name == "localhost" or name.startswith("127."):
            return real(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fake)


# -- point 14: a DNS failure is not retried ------------------------------------------------------------------


def test_http_does_not_retry_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    fail_dns(monkeypatch, calls)
    sleeps: list[float] = []
    client = bhttp.Http(retries=3, backoff=1.0, sleep=sleeps.append)
    with pytest.raises(NetworkError) as info:
        client.get("https://no-such-host.example/paper")
    assert calls.count("no-such-host.example") == 1
    assert sleeps == []
    assert "connection failed" in info.value.reason


def test_http_still_retries_a_refused_connection() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps: list[float] = []
    client = bhttp.Http(retries=2, backoff=0.0, sleep=sleeps.append)
    with pytest.raises(NetworkError):
        client.get(f"http://127.0.0.1:{port}/")
    assert len(sleeps) == 2  # a refused connection may be a server restarting: worth the retries


def test_resolve_without_a_network_asks_each_host_once(tmp_path: Path) -> None:
    proc, looked_up = run_without_dns(["resolve", "--no-cache", "https://no-such-host.example/paper"], tmp_path,
                                      {"BIBEXPORT_BACKOFF": "0"})
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr
    assert looked_up.count("no-such-host.example") == 1, looked_up


# -- point 14: resolve's exit codes ---------------------------------------------------------------------------


def test_resolve_a_bad_argument_is_a_usage_error_before_any_request(tmp_path: Path) -> None:
    proc, looked_up = run_without_dns(["resolve", "--no-cache", "not-a-link", "arXiv:2305.18290"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "not-a-link" in proc.stderr and "Traceback" not in proc.stderr
    assert looked_up == []  # refused before any network
    assert proc.stdout == ""


def test_readme_documents_resolves_exit_codes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Exit codes"):]
    row2 = next(line for line in table.splitlines() if line.startswith("| 2 |"))
    row5 = next(line for line in table.splitlines() if line.startswith("| 5 |"))
    assert "resolve" in row2 and "resolve" in row5


# -- point 14: style = "iee" in [course] ---------------------------------------------------------------------


def seed_copy(tmp_path: Path) -> Path:
    for name in ("sessions.toml", "sessions.lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_a_misspelt_style_in_course_is_an_input_error_with_its_line(tmp_path: Path) -> None:
    course = seed_copy(tmp_path)
    text = (course / "sessions.toml").read_text(encoding="utf-8").replace("[course]\n", '[course]\nstyle = "iee"\n', 1)
    (course / "sessions.toml").write_text(text, encoding="utf-8")
    line = text.splitlines().index('style = "iee"') + 1
    proc, _ = run_without_dns(["build", "--offline", "-f", "md"], course)
    assert proc.returncode == 3, proc.stderr
    assert f"sessions.toml:{line}:" in proc.stderr and "'iee'" in proc.stderr and "ieee" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (course / "out").exists()
    proc, _ = run_without_dns(["check", "--offline"], course)
    assert proc.returncode == 3 and f"sessions.toml:{line}:" in proc.stderr, proc.stderr

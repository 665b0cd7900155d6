"""Network faults and determinism, against real servers on 127.0.0.1 and `bibexport build` in a subprocess.

Faults: a :class:`FaultServer` replays the fixtures like :class:`tests.replay.ReplayServer` but answers one
service with a fault (429 with and without ``Retry-After``, 500/502/503 bursts, a read timeout, a connection reset
mid-body, truncated XML, malformed JSON, an XML entity-expansion bomb, an external-entity reference, a 50 MB body,
a redirect loop).  Each course folder is first built against the healthy replay (the seed lockfile), then rebuilt
with ``--refresh`` against the faulty server.  Every run must end in bounded time with exit 0, a warning naming
the failed reading (``sessions.toml:LINE 'Title'``) and why; the lockfile keeps the reading's last good record;
the other readings are resolved again; and ``out/`` is byte-identical to the seed build (nothing half-written,
nothing from the fault leaked into it).  The runs go concurrently in one module-scoped fixture.

Determinism: building twice, and building against servers that serve batch and search results in shuffled
orders, gives byte-identical outputs and lockfiles.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.replay import ReplayServer, _Handler

ROOT = Path(__file__).resolve().parents[1]
COURSE = """\
[course]
title = "Faults"

[[sessions]]
slug = "faults"
name = "Faults"
date = 2024-02-08

[[sessions.required]]
title = "Mistral 7B"
links = ["https://arxiv.org/abs/2310.06825"]

[[sessions.required]]
title = "Holistic Evaluation of Language Models"
links = ["https://openreview.net/forum?id=iO4LZibEqW"]

[[sessions.further]]
title = "Awesome RLHF"
links = ["https://github.com/opendilab/awesome-RLHF"]

[[sessions.further]]
title = "Fine-tune Llama 2 with DPO"
links = ["https://huggingface.co/blog/dpo-trl"]
"""
LINES = {"Mistral 7B": 9, "Holistic Evaluation of Language Models": 13, "Awesome RLHF": 17,
         "Fine-tune Llama 2 with DPO": 21}
TIMEOUT = 0.5  # BIBEXPORT_TIMEOUT for the runs: a hung server costs (retries + 1) × this
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2310.06825v1</id>
<title>&g;</title></entry></feed>
"""
SECRET = "bibexport-xxe-canary-7f3a"  # the content of the file the external entity points to


class FaultServer(ReplayServer):
    """The fixture replay, except that requests to ``service`` get ``fault`` (after ``good_first`` good ones,
    or only the first ``bad_first`` when set)."""

    def __init__(self, service: str, fault: str, *, bad_first: int | None = None, secret_file: Path | None = None):
        super().__init__()
        self.RequestHandlerClass = _FaultHandler
        self.fault_service, self.fault, self.bad_first = service, fault, bad_first
        self.secret_file = secret_file
        self.faulted = 0

    def should_fault(self, service: str) -> bool:
        with self._lock:
            if service != self.fault_service:
                return False
            if self.bad_first is not None and self.faulted >= self.bad_first:
                return False
            self.faulted += 1
            return True


class _FaultHandler(_Handler):
    server: FaultServer

    def do_GET(self) -> None:  # http.server names it
        service = self.path.lstrip("/").partition("/")[0]
        if not self.server.should_fault(service):
            return super().do_GET()
        self.server.count(service, self.path, {})
        getattr(self, "_fault_" + self.server.fault.replace("-", "_"))()

    def _raw(self, status: int, body: bytes, ctype: str = "application/json", headers: dict[str, str] | None = None,
             length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _fault_429(self) -> None:
        self._raw(429, b'{"message": "rate limited"}')

    def _fault_429_retry_after_1(self) -> None:
        self._raw(429, b'{"message": "rate limited"}', headers={"Retry-After": "1"})

    def _fault_429_retry_after_3600(self) -> None:
        self._raw(429, b'{"message": "rate limited"}', headers={"Retry-After": "3600"})

    def _fault_5xx(self) -> None:
        status = (500, 502, 503)[(self.server.faulted - 1) % 3]
        self._raw(status, b"<html><body>upstream error</body></html>", "text/html")

    def _fault_hang(self) -> None:
        time.sleep(TIMEOUT * 4)  # the client gives up after TIMEOUT; then we answer into a closed socket
        self._raw(200, b"{}")

    def _fault_reset(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">")
        self.wfile.flush()
        # SO_LINGER 0: close() sends a TCP RST instead of FIN, i.e. "connection reset by peer" mid-body.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _fault_truncated_xml(self) -> None:
        feed = self.server.recordings.feed([self.server.recordings.arxiv["2310.06825"]], "id_list=2310.06825")
        self._raw(200, feed[: len(feed) // 2], "application/atom+xml")

    def _fault_malformed_json(self) -> None:
        self._raw(200, b'{"full_name": "opendilab/awesome-RLHF", "description": "Awes', "application/json")

    def _fault_bomb(self) -> None:
        self._raw(200, BOMB, "application/atom+xml")

    def _fault_xxe(self) -> None:
        assert self.server.secret_file is not None
        body = (f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY xxe SYSTEM "{self.server.secret_file.as_uri()}">]>\n'
                '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2310.06825v1</id>'
                "<title>&xxe;</title><author><name>&xxe;</name></author>"
                "<published>2023-10-10T17:54:58Z</published></entry></feed>\n")
        self._raw(200, body.encode(), "application/atom+xml")

    def _fault_huge(self) -> None:
        """50 MB of page without a Content-Length: only the client's own cap can stop it."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"<p>" + b"x" * (1 << 20) + b"</p>\n"
        try:
            self.wfile.write(b"<html><head><title>Fine-tune Llama 2 with DPO</title></head><body>")
            for _ in range(50):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _fault_huge_declared(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(50 * 1000 * 1000))
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(b"<html>" + b" " * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _fault_redirect_loop(self) -> None:
        self._raw(302, b"", "text/plain", headers={"Location": self.path})


def _env(cwd: Path, server: ReplayServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_", "GITHUB_"))}
    env.update(server.env())
    env.update(BIBEXPORT_LOCK_DIR=str(cwd.parent / f"{cwd.name}.locks"), PYTHONPATH=str(ROOT),
               BIBEXPORT_RETRIES="2", BIBEXPORT_BACKOFF="0.05", BIBEXPORT_TIMEOUT=str(TIMEOUT),
               XDG_CACHE_HOME=str(cwd.parent / f"{cwd.name}.cache"))
    return env


def _build(cwd: Path, server: ReplayServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bibexport", "build", "--no-cache", *args], cwd=cwd,
                          env=_env(cwd, server), capture_output=True, text=True, timeout=120, check=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _lock(cwd: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((cwd / "sessions.lock.json").read_text(encoding="utf-8"))
    return {e["title"]: e for e in data["readings"]}


@dataclass(frozen=True)
class Fault:
    """A fault on one service, the reading it must fail, and what the warning must say."""

    service: str
    victim: str  # the reading that must fail (keep its record); "" when the run must recover fully
    reason: str  # text the warning must contain
    bad_first: int | None = None
    bound: float = 12.0  # seconds the whole run may take


FAULTS: dict[str, Fault] = {
    "429": Fault("arxiv", "Mistral 7B", "HTTP 429 (gave up after 3 attempts)"),
    "429-retry-after-1": Fault("arxiv", "Mistral 7B", "HTTP 429 (gave up after 3 attempts)"),
    "429-retry-after-3600": Fault("arxiv", "Mistral 7B", "server asks to retry after 3600 s"),
    "5xx": Fault("github", "Awesome RLHF", "HTTP 503 (gave up after 3 attempts)"),
    "hang": Fault("arxiv", "Mistral 7B", "Read timed out. (read timeout=0.5) (gave up after 3 attempts)"),
    "reset": Fault("arxiv", "Mistral 7B", "Connection reset by peer"),
    "truncated-xml": Fault("arxiv", "Mistral 7B", "not a readable arXiv feed"),
    "malformed-json": Fault("github", "Awesome RLHF", "GitHub API answer is not a repository"),
    "bomb": Fault("arxiv", "Mistral 7B", "not a readable arXiv feed: EntitiesForbidden(name='a'"),
    "xxe": Fault("arxiv", "Mistral 7B", "not a readable arXiv feed: EntitiesForbidden(name='xxe'"),
    "huge": Fault("web", "Fine-tune Llama 2 with DPO", "response larger than 10000000 bytes"),
    "huge-declared": Fault("web", "Fine-tune Llama 2 with DPO", "response larger than"),
    "redirect-loop": Fault("github", "Awesome RLHF", "too many redirects"),
    # A burst shorter than the retries is absorbed: everything resolves again, no warning.
    "5xx-burst-absorbed": Fault("arxiv", "", "", bad_first=2),
}


@dataclass
class Run:
    """One faulty rebuild: its folder, result and duration."""

    cwd: Path
    proc: subprocess.CompletedProcess[str]
    seconds: float
    faulted: int  # requests that got the fault


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course folder built against the healthy replay: every reading resolved."""
    cwd = tmp_path_factory.mktemp("seed") / "course"
    cwd.mkdir()
    (cwd / "sessions.toml").write_text(COURSE, encoding="utf-8")
    with ReplayServer() as server:
        proc = _build(cwd, server)
    assert proc.returncode == 0, proc.stderr
    assert {t: e["status"] for t, e in _lock(cwd).items()} == dict.fromkeys(LINES, "resolved")
    return cwd


def _faulty_run(name: str, fault: Fault, seed: Path, root: Path) -> Run:
    cwd = root / name
    shutil.copytree(seed, cwd)
    secret = root / f"{name}.secret"
    secret.write_text(SECRET, encoding="utf-8")
    fault_name = name.removesuffix("-burst-absorbed")
    server = FaultServer(fault.service, fault_name, bad_first=fault.bad_first, secret_file=secret)
    with server:
        start = time.monotonic()
        proc = _build(cwd, server, "--refresh")
        return Run(cwd, proc, time.monotonic() - start, server.faulted)


@pytest.fixture(scope="module")
def runs(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    root = tmp_path_factory.mktemp("faults")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_faulty_run, name, fault, seed, root) for name, fault in FAULTS.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_fails_one_reading_keeps_its_record_and_writes_nothing_half(
        name: str, runs: dict[str, Run], seed: Path) -> None:
    fault, run = FAULTS[name], runs[name]
    err = run.proc.stderr
    assert run.proc.returncode == 0, err
    assert "Traceback" not in err
    assert run.seconds < fault.bound, f"took {run.seconds:.1f} s"
    assert run.faulted >= (fault.bad_first or 1)  # the fault did happen
    before, after = _lock(seed), _lock(run.cwd)
    assert {t: e["status"] for t, e in after.items()} == dict.fromkeys(LINES, "resolved")
    for title, entry in after.items():
        assert entry["record"] == before[title]["record"], title  # kept (victim) or resolved the same again
        if title != fault.victim:
            assert not any(w.startswith("kept:") for w in entry.get("warnings", [])), (title, entry)
    if fault.victim:
        warning = f"warning: sessions.toml:{LINES[fault.victim]} '{fault.victim}': kept: "
        assert warning in err, err
        line = next(x for x in err.splitlines() if warning in x)
        assert fault.reason in line, line
        assert any(w.startswith("kept:") and fault.reason in w for w in after[fault.victim]["warnings"])
    # Outputs: exactly the seed's (the kept record builds the same entry); no staging or temp files left.
    assert snapshot(run.cwd / "out") == snapshot(seed / "out")
    assert sorted(p.name for p in run.cwd.iterdir()) == ["out", "sessions.lock.json", "sessions.toml"]
    assert SECRET not in (run.cwd / "sessions.lock.json").read_text(encoding="utf-8") + err


def test_fault_on_a_new_reading_is_reported_unresolved_and_strict_fails(tmp_path: Path) -> None:
    """No last good record to keep: the reading is built from sessions.toml, named, and --strict exits 5."""
    cwd = tmp_path / "course"
    cwd.mkdir()
    (cwd / "sessions.toml").write_text(COURSE, encoding="utf-8")
    with FaultServer("arxiv", "bomb") as server:
        proc = _build(cwd, server, "--strict")
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "unresolved: sessions.toml:9 'Mistral 7B': arxiv:2310.06825: arXiv API sent not a readable arXiv feed" \
        in proc.stderr
    lock = _lock(cwd)
    assert lock["Mistral 7B"]["status"] == "unavailable" and "record" not in lock["Mistral 7B"]
    assert all(lock[t]["status"] == "resolved" for t in LINES if t != "Mistral 7B")
    items = json.loads((cwd / "out" / "readings.json").read_text(encoding="utf-8"))
    assert "Mistral 7B" in {re.sub(r"<[^>]+>", "", i["title"]) for i in items}  # never dropped


# ------------------------------------------------------------------------------------------------ determinism


def test_same_input_same_bytes_whatever_the_order_of_answers(seed: Path, tmp_path: Path) -> None:
    """Twice against the same server, and afresh against servers serving batches and searches shuffled."""
    course = COURSE + "".join(
        f'\n[[sessions.further]]\ntitle = "Paper {i}"\nlinks = ["https://arxiv.org/abs/{ident}"]\n'
        for i, ident in enumerate(["2101.00027", "2203.02155", "2305.18290", "2307.09288", "2401.04088",
                                   "2402.00838", "1706.03741", "2107.03374"]))
    outputs = []
    for seed_value in (None, 1):
        cwd = tmp_path / f"shuffle-{seed_value}"
        cwd.mkdir()
        (cwd / "sessions.toml").write_text(course, encoding="utf-8")
        with ReplayServer(shuffle=seed_value) as server:
            first = _build(cwd, server, "-f", "bib,csl-json,md,html,txt")
            assert first.returncode == 0, first.stderr
            result = (snapshot(cwd / "out"), (cwd / "sessions.lock.json").read_bytes())
            mtimes = {p: p.stat().st_mtime_ns for p in (cwd / "out").rglob("*")}
            again = _build(cwd, server, "--refresh", "-f", "bib,csl-json,md,html,txt")
            assert again.returncode == 0, again.stderr
            assert (snapshot(cwd / "out"), (cwd / "sessions.lock.json").read_bytes()) == result
            assert {p: p.stat().st_mtime_ns for p in (cwd / "out").rglob("*")} == mtimes  # not even rewritten
        outputs.append(result)
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0][0]["readings.json"])) == 12

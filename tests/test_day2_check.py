"""Issue 14 ("day two"), points 9, 10 and 14: ``check`` without a network, the result cache keyed by the
endpoint asked, and the small CLI inconsistencies (``resolve`` exit codes, no retry on a DNS failure, a bad
``style`` in ``[course]``).

DNS failures are made the way a machine without a network makes them: ``socket.getaddrinfo`` raises
``socket.gaierror`` (in-process by monkeypatching, in a subprocess through a ``sitecustomize`` module that
also logs every look-up), never the conftest's :class:`RealNetworkBlocked`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


# -- point 9: `check` with no network --------------------------------------------------------------------------


class _Ok(BaseHTTPRequestHandler):
    def _reply(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"ok")

    do_GET = do_HEAD = _reply

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def live() -> Iterator[str]:
    """A live host on 127.0.0.1 answering 200 to everything."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def dead() -> str:
    """A host where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def course_with(tmp_path: Path, links: list[str]) -> Path:
    readings = "".join(f'\n[[sessions.required]]\ntitle = "Reading {i}"\nlinks = ["{url}"]\n'
                       for i, url in enumerate(links))
    (tmp_path / "sessions.toml").write_text(f'[[sessions]]\nslug = "s1"\nname = "One"\n{readings}', encoding="utf-8")
    return tmp_path


def check_json(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc, _ = run_without_dns(["check", "--no-cache", "--retries", "0", "--format", "json", *extra], tmp_path)
    return proc, json.loads(proc.stdout) if proc.stdout.startswith("{") else {}


def test_one_dead_host_among_live_ones_stays_broken(tmp_path: Path, live: str) -> None:
    gone, unknown = dead(), "http://no-such-host.example/page"
    course_with(tmp_path, [f"{live}/a", f"{gone}/b", unknown, f"{live}/c"])
    proc, doc = check_json(tmp_path)
    assert proc.returncode == 4, proc.stderr
    verdicts = {r["url"]: (r["verdict"], r["via"]) for r in doc["results"]}
    assert verdicts[f"{live}/a"][0] == verdicts[f"{live}/c"][0] == "ok"
    assert verdicts[f"{gone}/b"] == ("broken", "http")
    assert verdicts[unknown] == ("broken", "http")
    assert doc["network"] == "available"


def test_no_host_reachable_is_network_unavailable_not_broken(tmp_path: Path) -> None:
    links = [f"{dead()}/a", "http://no-such-host.example/b", "https://nowhere.example.org/c", f"{dead()}/d"]
    course_with(tmp_path, links)
    proc, doc = check_json(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert doc["network"] == "unavailable"
    assert {r["verdict"] for r in doc["results"]} == {"unverifiable"}
    assert {r["via"] for r in doc["results"]} == {"network"}
    proc, _ = check_json(tmp_path, "--strict")
    assert proc.returncode == 5
    text, _ = run_without_dns(["check", "--no-cache", "--retries", "0"], tmp_path)
    assert text.returncode == 0
    assert text.stdout.count("network unavailable") == 1, text.stdout
    assert "BROKEN" not in text.stdout and "does not exist" not in text.stdout
    github, _ = run_without_dns(["check", "--no-cache", "--retries", "0", "--format", "github"], tmp_path)
    assert github.returncode == 0
    assert "::error" not in github.stdout
    assert github.stdout.count("network unavailable") == 1, github.stdout


def test_a_malformed_link_is_still_broken_without_a_network(tmp_path: Path) -> None:
    course_with(tmp_path, ["http://no-such-host.example/b", "https://nowhere.example.org/c", "https://x.example/a)"])
    proc, doc = check_json(tmp_path)
    assert proc.returncode == 4
    assert doc["network"] == "unavailable"
    assert [r["verdict"] for r in doc["results"]] == ["unverifiable", "unverifiable", "broken"]


def test_the_seed_without_a_network(tmp_path: Path) -> None:
    proc, _ = run_without_dns(["check", "--no-cache"], seed_copy(tmp_path), {"BIBEXPORT_BACKOFF": "0"})
    assert proc.returncode == 0, proc.stdout
    assert "BROKEN" not in proc.stdout
    assert proc.stdout.count("network unavailable") == 1
    assert "ok only because sessions.lock.json resolved them" in proc.stdout  # arXiv links are not quietly ok


def test_after_the_first_hosts_fail_the_rest_are_not_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    from bibexport.linkcheck import NETWORK_DOWN_AFTER, UNVERIFIABLE, Checker, CheckOptions
    from bibexport.model import Endpoints

    calls: list[str] = []
    fail_dns(monkeypatch, calls)
    options = CheckOptions(retries=0, jobs=1, timeout=1)
    checker = Checker(bhttp.Http(retries=0, timeout=1), Endpoints(), options)
    urls = [f"https://host{i}.example/page" for i in range(8)]
    found = checker.check(urls)
    assert checker.network_down
    asked = {name for name in calls if name.startswith("host")}
    assert asked == {f"host{i}.example" for i in range(NETWORK_DOWN_AFTER)}
    assert all(f.verdict in (UNVERIFIABLE, "broken") for f in found.values())
    assert {f.cause for u, f in found.items() if u in urls[NETWORK_DOWN_AFTER:]} == {"skipped"}


# -- point 10: cached results are keyed by the endpoint asked -------------------------------------------------------


def test_a_cached_api_failure_is_not_reused_for_another_endpoint(tmp_path: Path) -> None:
    from tests.replay import ReplayServer
    from tests.test_build import run

    course_with(tmp_path, ["https://arxiv.org/abs/2101.00027"])
    cache = tmp_path / "linkcheck.json"
    down = {"BIBEXPORT_ARXIV_API": f"{dead()}/api/query", "BIBEXPORT_ARXIV_DELAY": "0", "BIBEXPORT_BACKOFF": "0"}
    first = run(["check", "--cache", str(cache), "--retries", "0", "--format", "json"], tmp_path, down)
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(first.stdout)["results"][0]["verdict"] == "unverifiable"
    with ReplayServer() as server:
        second = run(["check", "--cache", str(cache), "--retries", "0", "--format", "json"], tmp_path, server.env())
        again = run(["check", "--cache", str(cache), "--retries", "0", "--format", "json"], tmp_path, server.env())
    result = json.loads(second.stdout)["results"][0]
    assert (result["verdict"], result["cached"]) == ("ok", False), result
    assert "2101.00027" in result["reason"]
    result = json.loads(again.stdout)["results"][0]  # the mirror's own answer is cached and reused
    assert (result["verdict"], result["cached"]) == ("ok", True), result


def test_cache_key_names_the_api_endpoint_and_leaves_web_links_alone() -> None:
    from bibexport.linkcheck import cache_key
    from bibexport.model import Endpoints

    real, mirror = Endpoints(), Endpoints(arxiv_api="http://127.0.0.1:9/api/query", doi_resolver="http://m/doi")
    for url in ("https://arxiv.org/abs/2101.00027", "doi:10.18653/v1/2024.acl-long.841"):
        assert cache_key(url, real) != cache_key(url, mirror)
    assert cache_key("https://mistral.ai/news/x/", real) == cache_key("https://mistral.ai/news/x/", mirror)
    assert "https://openreview.net/forum?id=abc" in cache_key("https://openreview.net/forum?id=abc", real)


# -- point 12: plainnat prints the names of works as their authors wrote them -------------------------------------

#: What plainnat prints as each seed title (the .bbl's title block, braces removed): names of works keep the
#: authors' capitals ("The Pile", "The Flan Collection", "Mixtral of Experts"), descriptions are sentence-cased
#: by the style as before ("A comprehensive survey"), and a title describing rather than naming stays as it was.
PLAINNAT_TITLES = {
    "anthropic2023challenges": "Challenges in evaluating AI systems.",
    "chen2021evaluating": "Evaluating large language models trained on code, 2021.",
    "christiano2017deep": "Deep reinforcement learning from human preferences, 2017.",
    "gao2020pile": "The Pile: An 800GB dataset of diverse text for language modeling, 2020.",
    "groeneveld2024olmo": "OLMo: Accelerating the science of language models, 2024.",
    "guo2023evaluating": "Evaluating large language models: A comprehensive survey, 2023.",
    "jiang2023mistral": "Mistral 7B, 2023.",
    "jiang2024mixtral": "Mixtral of Experts, 2024.",
    "largemodelsystemsorganization2024lmsys": "LMSys Chatbot Arena Leaderboard.",
    "lee2023holistic": "Holistic evaluation of text-to-image models, 2023.",
    "li2024leveraging": "Leveraging large language models for NLG evaluation: Advances and challenges, 2024.",
    "liang2023holistic": "Holistic evaluation of language models.",
    "longpre2023flan": "The Flan Collection: Designing data and methods for effective instruction tuning, 2023.",
    "opendilab2023awesome": "awesome-RLHF.",
    "ouyang2022training": "Training language models to follow instructions with human feedback.",
    "rafailov2023direct": "Direct Preference Optimization: Your language model is secretly a reward model.",
    "touvron2023llama": "Llama 2: Open foundation and fine-tuned chat models, 2023.",
    "wang2023aligning": "Aligning large language models with human: A survey, 2023.",
}

DOC = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage{natbib}
\usepackage{url}
\begin{document}
\nocite{*}
\bibliographystyle{plainnat}
\bibliography{readings}
\end{document}
"""


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("bibtex") is None,
                    reason="needs pdflatex and bibtex")
def test_plainnat_prints_the_seeds_titles_as_their_authors_wrote_them(tmp_path: Path) -> None:
    import re

    course = seed_copy(tmp_path)
    proc, _ = run_without_dns(["build", "--offline", "-f", "bib", "--no-cache"], course)
    assert proc.returncode == 0, proc.stderr
    shutil.copy(course / "out" / "readings.bib", tmp_path / "readings.bib")
    (tmp_path / "doc.tex").write_text(DOC, encoding="utf-8")
    for tool in (["pdflatex", "-interaction=nonstopmode", "doc"], ["bibtex", "doc"]):
        done = subprocess.run(tool, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
        assert tool[0] == "pdflatex" or done.returncode == 0, done.stdout
    assert "Warning" not in (tmp_path / "doc.blg").read_text(encoding="utf-8")
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    printed = {}
    for item in re.split(r"\\bibitem", bbl)[1:]:
        key = re.search(r"\]\{([^}]+)\}", item)
        assert key is not None
        title = " ".join(item.split("\\newblock")[1].split())
        printed[key.group(1)] = title.replace("{", "").replace("}", "")
    assert printed == PLAINNAT_TITLES


def test_only_a_title_cased_name_is_braced() -> None:
    from bibexport.latex import nocase_title, protect_title

    assert protect_title("The Pile: An 800GB Dataset of Diverse Text") == "The {Pile}: An {800GB} Dataset of Diverse Text"
    # a head that describes (an -ing verb) or is long is no name: nothing more is braced
    assert protect_title("Evaluating Large Language Models: A Comprehensive Survey") == \
        "Evaluating Large Language Models: A Comprehensive Survey"
    assert protect_title("Holistic Evaluation of Text-To-Image Models") == "Holistic Evaluation of Text-To-Image Models"
    # sentence case keeps its own rule: the title's capitals already mark the proper nouns
    assert protect_title("The pile: a dataset from Wikipedia") == "The pile: a dataset from {Wikipedia}"
    # CSL-JSON is not touched by this rule (CSL styles do not lower-case titles)
    assert nocase_title("The Pile: An 800GB Dataset") == 'The Pile: An <span class="nocase">800GB</span> Dataset'

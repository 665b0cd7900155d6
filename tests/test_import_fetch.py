"""``bibexport import https://…``: fetching the one URL given, replayed with ``responses``."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import responses

from bibexport.config import MAX_INPUT_BYTES
from bibexport.errors import ExitCode
from bibexport.http import Http
from bibexport.importer.fetch import FetchError, fetch_source, is_url, raw_url


def _http() -> Http:
    return Http(retries=0, sleep=lambda _s: None)


def test_github_blob_and_raw_pages_are_read_as_raw_files() -> None:
    assert raw_url("https://github.com/o/r/blob/main/_data/lectures.yml") == (
        "https://raw.githubusercontent.com/o/r/main/_data/lectures.yml")
    assert raw_url("https://github.com/o/r/raw/abc123/docs/reading%20list.md") == (
        "https://raw.githubusercontent.com/o/r/abc123/docs/reading%20list.md")
    assert raw_url("https://github.com/o/r") == "https://github.com/o/r"  # a repository page stays a page
    assert raw_url("https://example.edu/blob/x/y") == "https://example.edu/blob/x/y"


@responses.activate
def test_fetches_the_raw_file_and_names_it_from_the_url() -> None:
    body = b"- title: A\n  readings: []\n"
    responses.add(responses.GET, "https://raw.githubusercontent.com/o/r/main/_data/lectures.yml", body=body,
                  content_type="text/plain; charset=utf-8")
    data, name = fetch_source("https://github.com/o/r/blob/main/_data/lectures.yml", _http())
    assert (data, name) == (body, "lectures.yml")
    assert len(responses.calls) == 1  # nothing else is fetched


@responses.activate
def test_a_page_without_extension_is_named_from_its_content_type() -> None:
    responses.add(responses.GET, "https://example.edu/cs999/schedule/", body=b"<html></html>",
                  content_type="text/html; charset=utf-8")
    assert fetch_source("https://example.edu/cs999/schedule/", _http())[1] == "schedule.html"


@responses.activate
def test_not_found_names_the_url_and_the_raw_address() -> None:
    responses.add(responses.GET, "https://raw.githubusercontent.com/o/r/main/x.md", status=404)
    with pytest.raises(FetchError) as err:
        fetch_source("https://github.com/o/r/blob/main/x.md", _http())
    assert err.value.exit_code == ExitCode.INPUT
    assert str(err.value).startswith("https://github.com/o/r/blob/main/x.md: not found (HTTP 404)")
    assert "raw.githubusercontent.com" in str(err.value)


@responses.activate
def test_timeouts_and_server_errors_are_clear_errors() -> None:
    responses.add(responses.GET, "https://slow.example/list.md", body=requests.exceptions.ReadTimeout("timed out"))
    responses.add(responses.GET, "https://down.example/list.md", status=503)
    responses.add(responses.GET, "https://gone.example/list.md", status=410)
    for url, words in (("https://slow.example/list.md", "timed out"), ("https://down.example/list.md", "503"),
                       ("https://gone.example/list.md", "HTTP 410")):
        with pytest.raises(FetchError) as err:
            fetch_source(url, _http())
        assert str(err.value).startswith(url) and words in str(err.value)


@responses.activate
def test_size_is_capped() -> None:
    responses.add(responses.GET, "https://big.example/list.txt", body=b"x" * (MAX_INPUT_BYTES + 1))
    with pytest.raises(FetchError) as err:
        fetch_source("https://big.example/list.txt", _http())
    assert "MB" in str(err.value)


def test_only_http_and_https() -> None:
    for url in ("file:///etc/passwd", "ftp://example.org/list.txt", "javascript://alert(1)"):
        assert is_url(url)
        with pytest.raises(FetchError) as err:
            fetch_source(url, _http())
        assert "only http and https" in str(err.value)
    assert not is_url("reading-list.txt") and not is_url("C:\\lists\\a.md") and is_url("https://x.org/a")


@responses.activate
def test_cli_imports_a_github_blob_url(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bibexport.cli import cli

    body = "## 2024-02-08 BasicLLM\n- [Mixtral of Experts](https://arxiv.org/abs/2401.04088)\n"
    responses.add(responses.GET, "https://raw.githubusercontent.com/o/r/main/docs/list.md", body=body)
    out = tmp_path / "s.toml"
    result = CliRunner().invoke(cli, ["import", "https://github.com/o/r/blob/main/docs/list.md", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert 'links = ["https://arxiv.org/abs/2401.04088"]' in out.read_text(encoding="utf-8")
    assert [c.request.url for c in responses.calls] == ["https://raw.githubusercontent.com/o/r/main/docs/list.md"]
    responses.add(responses.GET, "https://example.org/missing.md", status=404)
    missing = CliRunner().invoke(cli, ["import", "https://example.org/missing.md"])
    assert missing.exit_code == 3 and "https://example.org/missing.md: not found (HTTP 404)" in missing.output


def test_decoding_utf8_a_declared_charset_or_a_clear_refusal() -> None:
    from bibexport.importer.fetch import decode_source

    assert decode_source("\ufeffCafé".encode(), "https://x.org/a") == "Café"
    latin = '<html><head><meta charset="iso-8859-1"></head><body>Caf\xe9</body></html>'.encode("latin-1")
    assert "Café" in decode_source(latin, "https://x.org/b")
    with pytest.raises(FetchError) as err:
        decode_source(b"\x89PNG\r\n\x1a\n\xff\xd8", "https://x.org/c.png")
    assert str(err.value).startswith("https://x.org/c.png: line 1: not valid UTF-8")

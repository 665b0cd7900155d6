"""The render cache: cached reference lists equal freshly rendered ones; the file is an edge that never fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from bibexport import rendercache
from bibexport.emitters import reflist
from bibexport.rendercache import RenderCache
from tests.test_reflist import seed_bibliography

STYLES = ("apa", "ieee", "course-notes", "chicago-author-date")


@pytest.mark.parametrize("style", STYLES)
def test_cached_lists_equal_fresh_ones(style: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bib = seed_bibliography()
    cold = RenderCache()
    fresh = {fmt: reflist.emit(bib, fmt=fmt, style=style, cache=cold) for fmt in ("md", "txt")}
    session = reflist.emit_session(bib.sessions[0], fmt="html", style=style, cache=cold)
    assert cold.changed and len(cold) > 0
    warm = RenderCache(dict(cold.items()))

    def never(*_args: object) -> None:
        raise AssertionError("citeproc-py ran although every rendering was cached")

    monkeypatch.setattr(reflist._CslRun, "_citeproc", never)  # a warm cache needs no citeproc-py at all
    reflist._RENDERED.clear()
    assert {fmt: reflist.emit(bib, fmt=fmt, style=style, cache=warm) for fmt in ("md", "txt")} == fresh
    assert reflist.emit_session(bib.sessions[0], fmt="html", style=style, cache=warm) == session
    assert not warm.changed


def test_hits_are_served_from_the_cache() -> None:
    """The cache is really consulted: a (doctored) cached rendering shows up in the list."""
    bib = seed_bibliography()
    cache = RenderCache()
    reflist.emit(bib, fmt="txt", style="apa", cache=cache)
    doctored = {k: (["DOCTORED " + v[0], v[1]] if k.startswith("b:") else v) for k, v in cache.items()}
    reflist._RENDERED.clear()
    text = reflist.emit(bib, fmt="txt", style="apa", cache=RenderCache(doctored))
    assert text.count("DOCTORED") == len({e.key for sb in bib.sessions for e in sb.entries})


def test_a_changed_style_file_misses(tmp_path: Path) -> None:
    source = Path(reflist.resolve_style("apa").path or "")
    copy = tmp_path / "mine.csl"
    copy.write_bytes(source.read_bytes())
    bib = seed_bibliography()
    cache = RenderCache()
    reflist.emit(bib, fmt="txt", style=str(copy), cache=cache)

    def renderings() -> int:  # item texts are keyed by their content, which a comment in the style leaves as is
        return sum(1 for key, _ in cache.items() if "-item:" not in key)

    before = renderings()
    copy.write_bytes(source.read_bytes().replace(b"<style ", b"<!-- edited -->\n<style ", 1))
    reflist._style_facts.cache_clear()
    reflist._load_style.cache_clear()
    reflist._RENDERED.clear()
    reflist.emit(bib, fmt="txt", style=str(copy), cache=cache)
    assert renderings() == 2 * before


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "render-cache.json"
    cache = RenderCache()
    cache.put("b:x", ["text", ""])
    cache.put("s0:x", None)
    rendercache.save(cache, path)
    again = rendercache.load(path)
    assert again.get("b:x") == ["text", ""] and "s0:x" in again and again.get("s0:x", 1) is None
    assert not cache.changed
    before = path.stat().st_mtime_ns
    rendercache.save(again, path)  # nothing new: not rewritten
    assert path.stat().st_mtime_ns == before


@pytest.mark.parametrize("content", [b"", b"{not json", b"\xff\xfe", b"[]", b'{"bibexport_render_cache": 99}',
                                     b'{"bibexport_render_cache": 1, "entries": []}'])
def test_a_damaged_file_is_an_empty_cache(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "render-cache.json"
    path.write_bytes(content)
    assert len(rendercache.load(path)) == 0
    assert len(rendercache.load(tmp_path / "missing.json")) == 0


def test_entries_used_last_survive_the_limit() -> None:
    cache = RenderCache({f"old{i}": i for i in range(5)})
    cache.get("old0")
    cache.put("new", 1)
    assert [k for k, _ in cache.items(limit=3)] == ["old4", "old0", "new"]


def test_for_build_only_when_enabled_and_a_format_uses_it(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    assert rendercache.for_build(["csl-json"], enabled=True, path=path) is None
    assert rendercache.for_build(["md"], enabled=False, path=path) is None
    assert isinstance(rendercache.for_build(["bib", "txt"], enabled=True, path=path), RenderCache)


def test_default_path_honours_the_environment(tmp_path: Path) -> None:
    assert rendercache.default_path({"BIBEXPORT_CACHE_DIR": str(tmp_path)}) == tmp_path / "render-cache.json"


def test_save_failure_is_silent(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = RenderCache()
    cache.put("k", 1)
    rendercache.save(cache, blocker / "render-cache.json")  # parent is a file: cannot write, no error
    assert blocker.read_text() == "x" and cache.changed  # still to be saved next time


def test_cached_bib_equals_fresh_bib() -> None:
    from bibexport.emitters import bibtex

    bib = seed_bibliography()
    pairs = [(e.key, e.record) for e in bib.entries]
    fresh = bibtex.emit(pairs)
    cache = RenderCache()
    assert bibtex.emit(pairs, cache=cache) == fresh
    doctored = RenderCache({k: "% cached\n" + v for k, v in cache.items()})
    assert bibtex.emit(pairs, cache=doctored).count("% cached") == len(pairs)  # hits are served
    assert bibtex.emit(pairs, keep_case=["LLM"], cache=doctored).count("% cached") == 0  # keep_case is in the key


@pytest.mark.parametrize("fmt", ("md", "html", "txt"))
def test_cached_item_texts_equal_uncached_ones(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each item's md/html/txt text is cached too: a warm list runs no markup serializer and is byte-identical
    to a list serialised without any cache; a doctored cached item text shows up (the cache is consulted)."""
    from bibexport.emitters import markup

    bib = seed_bibliography()
    doc = reflist.build_document(bib.sessions, reflist.resolve_style("apa"), title="Readings")
    plain = markup.SERIALIZERS[fmt](doc, False, None)
    cold = RenderCache()
    assert markup.SERIALIZERS[fmt](doc, False, cold) == plain
    keys = [k for k, _ in cold.items() if k.startswith(f"{fmt}-item:")]
    assert keys

    def never(*_args: object) -> None:
        raise AssertionError("an item was serialised although its text was cached")

    for name in ("_md_item", "_html_item", "_txt_item"):
        monkeypatch.setattr(markup, name, never)
    warm = RenderCache(dict(cold.items()))
    assert markup.SERIALIZERS[fmt](doc, False, warm) == plain
    assert not warm.changed
    doctored = ["DOCTORED", ""] if fmt == "txt" else "DOCTORED"
    warm.put(keys[0], doctored)
    assert "DOCTORED" in markup.SERIALIZERS[fmt](doc, False, warm)


def test_source_files_are_hashed_in_one_place() -> None:
    """Cache keys depend on the code that makes the cached text, and only rendercache hashes source files: every
    module it lists exists, the CSL code includes the citeproc-py overrides, and no other module reads its own
    source to key a cache."""
    import importlib
    import re

    for kind, (modules, _distributions) in rendercache.CODE.items():
        for name in modules:
            importlib.import_module(name)
        assert re.fullmatch(r"[0-9a-f]{16}", rendercache.code_digest(kind))
    assert "bibexport.emitters.citeproc_compat" in rendercache.CODE["csl"][0]
    package = Path(rendercache.__file__).parent
    for path in package.rglob("*.py"):
        if path.name != "rendercache.py":
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"__file__\)?\.read_bytes|read_bytes\(\).*__file__", text), path


def test_a_code_change_makes_new_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Invalidation is by key: the digest of a kind changes with the source of a module it lists."""
    import sys

    module = tmp_path / "fake_emitter_mod.py"
    module.write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(rendercache.CODE, "fake", (("fake_emitter_mod",), ()))
    before = rendercache.code_digest("fake")
    rendercache.code_digest.cache_clear()
    module.write_text("X = 2\n")
    sys.modules.pop("fake_emitter_mod", None)
    assert rendercache.code_digest("fake") != before
    rendercache.code_digest.cache_clear()
    sys.modules.pop("fake_emitter_mod", None)

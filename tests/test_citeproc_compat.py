"""citeproc-py behind one seam: the overrides apply to styles loaded through bibexport only, rely on internals
that still exist as written, and fix what they say they fix (the full contract is tests/test_style_parity.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
    model,
    string,
)
from citeproc.source.json import CiteProcJSON

from bibexport.emitters import citeproc_compat

ROOT = Path(__file__).resolve().parents[1]

STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0" default-locale="en-US"
       page-range-format="minimal-two">
  <info><title>compat test</title><id>compat-test</id><updated>2024-01-01T00:00:00+00:00</updated></info>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography>
    <layout><group delimiter=". ">
      <text variable="title" text-case="capitalize-first"/>
      <group delimiter=" ">
        <group delimiter=" "><text value="Accessed:"/><date variable="accessed" form="text"/></group>
        <text value="[Online]"/>
      </group>
      <text variable="page"/>
    </group></layout>
  </bibliography>
</style>
"""


def _render(style: Any, item: dict[str, Any]) -> str:
    source = CiteProcJSON([{"id": "a", **item}])
    bib = CitationStylesBibliography(style, source, formatter.plain)
    bib.register(Citation([CitationItem("a")]))
    return str(bib.bibliography()[0])


@pytest.fixture
def style_file(tmp_path: Path) -> Path:
    path = tmp_path / "compat.csl"
    path.write_text(STYLE, encoding="utf-8")
    return path


def test_every_internal_the_overrides_rely_on_is_as_written() -> None:
    """Fails loudly when a citeproc-py upgrade renames, removes or changes the signature of a patched internal."""
    assert citeproc_compat.changed_internals() == []
    for base, mixin in citeproc_compat.OVERRIDES:
        for name, value in vars(mixin).items():
            if callable(value) and not name.startswith("__") and name != "_recorded_variable":
                assert hasattr(base, name), f"{mixin.__name__}.{name} overrides nothing in citeproc-py's {base}"


def test_changed_internals_reports_a_missing_or_changed_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(citeproc_compat.INTERNALS, "citeproc.model.Group.no_such_method", "(self)")
    monkeypatch.setitem(citeproc_compat.INTERNALS, "citeproc.model.Key.sort_keys", "(self, items)")
    problems = citeproc_compat.changed_internals()
    assert "citeproc.model.Group.no_such_method: missing" in problems
    assert "citeproc.model.Key.sort_keys: (self, items, context), expected (self, items)" in problems


def test_the_installed_version_is_the_pinned_range() -> None:
    specifiers = pytest.importorskip("packaging.specifiers")
    from importlib.metadata import version

    assert f'"citeproc-py{citeproc_compat.SUPPORTED}"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert version("citeproc-py") in specifiers.SpecifierSet(citeproc_compat.SUPPORTED)


def test_overrides_apply_to_our_styles_only(style_file: Path) -> None:
    """The same style, loaded by citeproc-py itself in the same process, keeps citeproc-py's behaviour: nothing
    is monkeypatched process-wide (loading ours first, then theirs)."""
    item = {"type": "article", "title": "arXiv preprint", "page": "1-20"}
    ours = _render(citeproc_compat.load_style(style_file), item)
    theirs = _render(CitationStylesStyle(str(style_file), validate=False), item)
    # capitalize-first leaves a mixed-case word, and "1-20" is not abbreviated to "1–0"
    assert ours == "arXiv preprint. 1–20"
    assert theirs == "ArXiv preprint. 1\u20130"
    assert string.String("arXiv").capitalize_first() == "ArXiv"  # citeproc-py's own class is untouched
    assert model.Group.process.__module__ == "citeproc.model"


def test_group_with_a_rendered_variable_still_prints(style_file: Path) -> None:
    item = {"type": "article", "title": "a study", "accessed": {"date-parts": [[2024, 3, 5]]}}
    assert _render(citeproc_compat.load_style(style_file), item) == "A study. Accessed: March 5, 2024 [Online]"


def test_render_state_belongs_to_the_style_and_is_left_empty(style_file: Path) -> None:
    one, two = citeproc_compat.load_style(style_file), citeproc_compat.load_style(style_file)
    _render(one, {"type": "article", "title": "x"})
    state = citeproc_compat._state(one.root)
    assert state is not citeproc_compat._state(two.root)
    assert state.frames == [] and state.recording == [] and state.substituting == [] and state.sort_keys is None
    # a locale's elements share their style's state (dates rendered through the locale count into its groups)
    assert all(citeproc_compat._state(locale) is state for locale in one.root.locales)


def test_sort_keys_come_from_the_provider_only_inside_the_block(style_file: Path) -> None:
    style = citeproc_compat.load_style(style_file)
    asked: list[int] = []

    def provider(key: Any, items: Any, compute: Any) -> list[Any]:
        asked.append(len(items))
        return list(compute(list(items)))

    with citeproc_compat.sort_keys_from(style, provider):
        assert citeproc_compat._state(style.root).sort_keys is provider
    assert citeproc_compat._state(style.root).sort_keys is None

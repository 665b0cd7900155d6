"""Real clients as judges: compile LaTeX against a .bib (BibTeX or biber), run pandoc --citeproc on CSL-JSON.

Each helper runs in a directory the caller gives (a pytest tmp dir), with timeouts, and returns the texts a
test asserts on.  Nothing here decides pass/fail except :func:`problems`, which lists the warning and error
lines a clean run must not have.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 60  # seconds per tool run; a hung pdflatex must not hang the suite
LATEX = ("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error")


def missing(*binaries: str) -> list[str]:
    """The binaries from ``binaries`` that are not on PATH."""
    return [b for b in binaries if shutil.which(b) is None]


@dataclass(frozen=True)
class Compiled:
    """What a LaTeX + bibliography run left behind."""

    log: str  # the final pdflatex .log
    blg: str  # bibtex's or biber's .blg
    bbl: str  # the generated bibliography


def _run(args: list[str] | tuple[str, ...], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, errors="replace", timeout=TIMEOUT, check=False
    )


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def unicode_declarations(bib: str) -> str:
    """``\\DeclareUnicodeCharacter`` lines for the raw non-Latin characters in ``bib`` (e.g. CJK names).

    pdflatex cannot typeset CJK without fonts; that is the document's business, not the .bib's.  Declaring
    them as ``?`` lets the judge check everything else: that BibTeX and biber carry them through cleanly.
    """
    chars = sorted({ch for ch in bib if ord(ch) > 0x2FF})
    return "\n".join(f"\\DeclareUnicodeCharacter{{{ord(ch):04X}}}{{?}}" for ch in chars)


def _document(bib: str, keys: list[str], bibliography: str, preamble: str) -> str:
    cites = ",".join(keys)
    return "\n".join(
        [
            "\\documentclass{article}",
            "\\usepackage[T1]{fontenc}",
            "\\usepackage[utf8]{inputenc}",
            "\\usepackage{url}",
            unicode_declarations(bib),
            preamble,
            "\\begin{document}",
            f"Cited: \\cite{{{cites}}}." if cites else "",
            "\\nocite{*}",
            bibliography,
            "\\end{document}",
            "",
        ]
    )


def _fail(step: str, proc: subprocess.CompletedProcess[str], cwd: Path) -> AssertionError:
    log = _read(cwd / "doc.log")
    tail = "\n".join(log.splitlines()[-40:])
    return AssertionError(f"{step} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr}\n{tail}")


def compile_natbib(bib: str, workdir: Path, keys: list[str], style: str = "plainnat") -> Compiled:
    """pdflatex, bibtex, pdflatex ×2 with natbib and ``style``; raises if any step fails outright."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    doc = _document(
        bib, keys, f"\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}", "\\usepackage{natbib}"
    )
    (workdir / "doc.tex").write_text(doc, encoding="utf-8")
    for step in (LATEX, ("bibtex", "doc"), LATEX, LATEX):
        args = [*step, "doc.tex"] if step is LATEX else list(step)
        proc = _run(args, workdir)
        # bibtex exits 1 on warnings: let the .blg check report those; exit 2+ is an error.
        if proc.returncode > (1 if step[0] == "bibtex" else 0):
            raise _fail(step[0], proc, workdir)
    return Compiled(_read(workdir / "doc.log"), _read(workdir / "doc.blg"), _read(workdir / "doc.bbl"))


def compile_biblatex(bib: str, workdir: Path, keys: list[str], style: str = "authoryear") -> Compiled:
    """pdflatex, biber, pdflatex ×2 with biblatex ``style``; raises if any step fails outright."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    preamble = f"\\usepackage[backend=biber,style={style}]{{biblatex}}\n\\addbibresource{{refs.bib}}"
    doc = _document(bib, keys, "\\printbibliography", preamble)
    (workdir / "doc.tex").write_text(doc, encoding="utf-8")
    for step in (LATEX, ("biber", "doc"), LATEX, LATEX):
        args = [*step, "doc.tex"] if step is LATEX else list(step)
        proc = _run(args, workdir)
        if proc.returncode != 0:
            raise _fail(step[0], proc, workdir)
    return Compiled(_read(workdir / "doc.log"), _read(workdir / "doc.blg"), _read(workdir / "doc.bbl"))


_BLG_PROBLEM = re.compile(
    r"^(Warning--|.*WARN - |.*ERROR - |.*error message|\(There w(as|ere) \d+ warning).*$", re.MULTILINE
)
_LOG_PROBLEM = re.compile(
    r"^(! .*|.*undefined.*|.*(Package|Class|LaTeX) \w* ?Warning.*|.*Rerun to get.*|.*Missing character.*)$",
    re.MULTILINE | re.IGNORECASE,
)


def problems(compiled: Compiled) -> list[str]:
    """Every warning or error line in the .blg and the final .log (empty for a clean run)."""
    found = [m.group(0) for m in _BLG_PROBLEM.finditer(compiled.blg)]
    found += [m.group(0) for m in _LOG_PROBLEM.finditer(compiled.log)]
    return found


def pandoc_citeproc(csl_json: str, workdir: Path, to: str = "plain") -> subprocess.CompletedProcess[str]:
    """``pandoc --citeproc`` on a document citing every item of ``csl_json`` (``nocite: '@*'``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "refs.json").write_text(csl_json, encoding="utf-8")
    (workdir / "doc.md").write_text("---\nnocite: '@*'\n---\n\n# References\n", encoding="utf-8")
    args = ["pandoc", "-f", "markdown", "-t", to, "--citeproc", "--bibliography=refs.json", "doc.md"]
    return _run(args, workdir)

"""`bibexport resolve URL_OR_ID...` for ad-hoc entries, against the loopback replay of the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

from tests.replay import ReplayServer
from tests.test_build import run


def test_resolve_prints_bibtex_and_csl(tmp_path: Path) -> None:
    with ReplayServer() as server:
        bib = run(["resolve", "--no-cache", "https://arxiv.org/abs/2401.04088v1", "--format", "bibtex"], tmp_path, server.env())
        csl = run(["resolve", "--no-cache", "arXiv:2101.00027", "--format", "csl-json"], tmp_path, server.env())
        bad = run(["resolve", "--no-cache", "arXiv:1201.56789"], tmp_path, server.env())
    assert bib.returncode == 0, bib.stderr
    assert bib.stdout.startswith("@misc{jiang2024mixtral,")
    assert "Gervet, Th{\\'e}ophile" in bib.stdout
    assert csl.returncode == 0, csl.stderr
    items = json.loads(csl.stdout)
    assert items[0]["id"] == "gao2020pile" and items[0]["issued"] == {"date-parts": [[2020, 12, 31]]}
    assert bad.returncode == 5 and "1201.56789" in bad.stderr and bad.stdout == ""

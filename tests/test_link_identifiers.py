"""Issue 12, part 1: the identifier a link carries, found before any page is fetched.

Unit tests for the pure rules (wrappers, library proxies, tracking parameters, DOIs in publisher paths, arXiv
ids behind other hosts), then one build in a subprocess through the loopback replay server: every reading of a
list written as courses write links resolves to the right paper, first author and year, without fetching a
publisher page.  The links are those of issue 12's table (taken from real course pages).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bibexport import resolvers
from bibexport.resolvers.arxiv import ArxivResolver
from bibexport.resolvers.doi import match as doi_match
from bibexport.resolvers.unwrap import unwrap
from tests.replay import ReplayServer
from tests.test_build import plain, run


@pytest.mark.parametrize(("link", "target"), [
    ("https://www.google.com/url?q=https%3A%2F%2Farxiv.org%2Fabs%2F2307.09288&sa=D",
     "https://arxiv.org/abs/2307.09288"),
    ("https://www.google.com/url?sa=t&url=https://openreview.net/forum?id%3DHPuSIXJaa9&usg=x",
     "https://openreview.net/forum?id=HPuSIXJaa9"),
    ("https://scholar.google.com/scholar_url?url=https://arxiv.org/pdf/2203.02155&hl=en",
     "https://arxiv.org/pdf/2203.02155"),
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.nature.com%2Farticles%2Fnature14539%3Ffbclid%3Dabc&h=x",
     "https://www.nature.com/articles/nature14539"),
    (("https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fdl.acm.org%2Fdoi%2F10.1145%2F3442188"
     ".3445922&data=05%7C01"), "https://dl.acm.org/doi/10.1145/3442188.3445922"),
    ("https://www-science-org.cmu.idm.oclc.org/doi/10.1126/science.aay2400",
     "https://www.science.org/doi/10.1126/science.aay2400"),
    ("https://dl-acm-org.ezproxy.lib.umd.edu/doi/abs/10.1145/3442188.3445922",
     "https://dl.acm.org/doi/abs/10.1145/3442188.3445922"),
    ("https://www-nature-com.libproxy1.nus.edu.sg/articles/nature14539",
     "https://www.nature.com/articles/nature14539"),
    ("https://journals--sagepub-com.proxy.lib.example.edu/doi/10.1177/x",  # EZproxy writes "-" as "--"
     "https://journals-sagepub.com/doi/10.1177/x"),
    ("https://ezproxy.lib.example.edu/login?url=https://link.springer.com/article/10.1007/BF00992696",
     "https://link.springer.com/article/10.1007/BF00992696"),
    ("https://openai.com/research/instruction-following?utm_source=twitter&utm_medium=social&ref=x",
     "https://openai.com/research/instruction-following?ref=x"),
])
def test_unwrap_removes_wrappers_proxies_and_tracking(link: str, target: str) -> None:
    assert unwrap(link) == target


@pytest.mark.parametrize("link", [
    "https://arxiv.org/abs/2305.18290", "https://my-lab.github.io/papers/x.pdf", "https://example.com/?q=1",
    "https://www.google.com/search?q=attention+is+all+you+need", "ftp://example.org/x", "not a url", "",
    "https://www.google.com/url?q=javascript:alert(1)",  # a wrapper whose target is no http(s) URL: kept
])
def test_unwrap_leaves_other_links_alone(link: str) -> None:
    assert unwrap(link) == link.strip()


@pytest.mark.parametrize(("link", "arxiv_id"), [
    ("https://arxiv.org/ftp/arxiv/papers/2310/2310.06825.pdf", "2310.06825"),
    ("https://arxiv.org/ftp/cs/papers/0112/0112017.pdf", "cs/0112017"),
    ("https://export.arxiv.org/abs/2401.04088", "2401.04088"),
    ("https://ar5iv.labs.arxiv.org/html/1706.03762", "1706.03762"),
    ("https://ar5iv.org/abs/2203.02155", "2203.02155"),
    ("https://www.alphaxiv.org/abs/2401.04088v2", "2401.04088v2"),
    ("https://huggingface.co/papers/2305.18290", "2305.18290"),
    ("https://www.semanticscholar.org/arxiv/2203.02155", "2203.02155"),
])
def test_arxiv_ids_behind_other_hosts_and_old_paths(link: str, arxiv_id: str) -> None:
    assert ArxivResolver().match(link) == arxiv_id


@pytest.mark.parametrize("link", ["https://huggingface.co/papers", "https://huggingface.co/blog/dpo-trl",
                                  "https://ar5iv.org/", "https://www.semanticscholar.org/paper/abc123"])
def test_no_arxiv_id_where_the_host_names_none(link: str) -> None:
    assert ArxivResolver().match(link) is None


@pytest.mark.parametrize(("link", "doi"), [
    ("https://dl.acm.org/doi/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
    ("https://dl.acm.org/doi/pdf/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
    ("https://dl.acm.org/doi/abs/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
    ("https://dl.acm.org/doi/epdf/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
    ("https://doi.acm.org/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
    ("https://link.springer.com/article/10.1007/BF00992696", "10.1007/BF00992696"),
    ("https://link.springer.com/content/pdf/10.1007/BF00992696.pdf", "10.1007/BF00992696"),
    ("https://link.springer.com/chapter/10.1007/978-3-030-58452-8_13", "10.1007/978-3-030-58452-8_13"),
    ("https://onlinelibrary.wiley.com/doi/full/10.1111/j.1551-6708.1990.tb00004.x",
     "10.1111/j.1551-6708.1990.tb00004.x"),
    ("https://www.tandfonline.com/doi/abs/10.1080/01621459.2017.1285773", "10.1080/01621459.2017.1285773"),
    ("https://journals.sagepub.com/doi/10.1177/0956797611417632", "10.1177/0956797611417632"),
    ("https://www.science.org/doi/10.1126/science.aay2400", "10.1126/science.aay2400"),
    ("https://www.pnas.org/doi/10.1073/pnas.1611835114", "10.1073/pnas.1611835114"),
    ("https://iopscience.iop.org/article/10.1088/1742-6596/1/1/012001/pdf", "10.1088/1742-6596/1/1/012001"),
    ("https://journals.aps.org/prl/abstract/10.1103/PhysRevLett.116.061102", "10.1103/PhysRevLett.116.061102"),
    ("https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0168344", "10.1371/journal.pone.0168344"),
    ("https://www.biorxiv.org/content/10.1101/2020.03.22.002386v3.full.pdf", "10.1101/2020.03.22.002386"),
    ("https://www.medrxiv.org/content/10.1101/2020.04.14.20062463v2", "10.1101/2020.04.14.20062463"),
    ("https://www.nature.com/articles/nature14539", "10.1038/nature14539"),
    ("https://www.nature.com/articles/s41586-021-03819-2.pdf", "10.1038/s41586-021-03819-2"),
    ("https://doi.org/10.1038/nature14539", "10.1038/nature14539"),
])
def test_dois_in_publisher_links(link: str, doi: str) -> None:
    assert doi_match(link) == doi


@pytest.mark.parametrize("link", ["https://www.nature.com/nature/", "https://dl.acm.org/", "https://example.com/doi/",
                                  "https://link.springer.com/journal/10994"])
def test_publisher_pages_without_a_doi_are_no_doi(link: str) -> None:
    assert doi_match(link) is None


def test_registry_matches_the_unwrapped_link() -> None:
    assert resolvers.match("https://www.google.com/url?q=https%3A%2F%2Farxiv.org%2Fabs%2F2307.09288&sa=D") == (
        "arxiv", "2307.09288")
    assert resolvers.match("https://www-science-org.cmu.idm.oclc.org/doi/10.1126/science.aay2400") == (
        "doi", "10.1126/science.aay2400")
    assert resolvers.match("https://mistral.ai/news/announcing-mistral-7b/?utm_source=x") == (
        "web", "https://mistral.ai/news/announcing-mistral-7b/")


COURSE = """\
[course]
title = "Links as courses write them"

[[sessions]]
slug = "s"
name = "Session"
date = 2024-09-03

[[sessions.required]]
title = "Stochastic parrots"
links = ["https://dl.acm.org/doi/10.1145/3442188.3445922"]

[[sessions.required]]
title = "Pluribus"
links = ["https://www-science-org.cmu.idm.oclc.org/doi/10.1126/science.aay2400"]

[[sessions.required]]
title = "Deep learning"
links = ["https://www.nature.com/articles/nature14539"]

[[sessions.required]]
title = "REINFORCE"
links = ["https://link.springer.com/article/10.1007/BF00992696"]

[[sessions.required]]
title = "DPO"
links = ["https://huggingface.co/papers/2305.18290"]

[[sessions.required]]
title = "Llama 2"
links = ["https://www.google.com/url?q=https%3A%2F%2Farxiv.org%2Fabs%2F2307.09288&sa=D"]

[[sessions.required]]
title = "Mistral"
links = ["https://arxiv.org/ftp/arxiv/papers/2310/2310.06825.pdf"]
"""


def test_build_resolves_links_as_courses_write_them(tmp_path: Path) -> None:
    (tmp_path / "sessions.toml").write_text(COURSE, encoding="utf-8")
    with ReplayServer() as server:
        proc = run(["build", "--no-cache", "-f", "csl-json"], tmp_path, server.env())
        services = [service for service, _, _ in server.requests]
    assert proc.returncode == 0, proc.stderr
    assert "web" not in services  # no publisher page, wrapper or mirror was fetched
    items = json.loads((tmp_path / "out" / "readings.json").read_text(encoding="utf-8"))
    got = {plain(i["title"]): (i["author"][0]["family"], i["issued"]["date-parts"][0][0]) for i in items}
    assert got == {
        "On the Dangers of Stochastic Parrots: Can Language Models Be Too Big? 🦜": ("Bender", 2021),
        "Superhuman AI for multiplayer poker": ("Brown", 2019),
        "Deep learning": ("LeCun", 2015),
        "Simple statistical gradient-following algorithms for connectionist reinforcement learning":
            ("Williams", 1992),
        "Direct Preference Optimization: Your Language Model is Secretly a Reward Model": ("Rafailov", 2023),
        "Llama 2: Open Foundation and Fine-Tuned Chat Models": ("Touvron", 2023),
        "Mistral 7B": ("Jiang", 2023),
    }
    nature = next(i for i in items if plain(i["title"]) == "Deep learning")
    assert (nature["type"], nature["container-title"], nature["volume"]) == ("article-journal", "Nature", "521")

"""``--update``: new readings merged into an existing sessions.toml, hand edits and comments untouched."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bibexport.errors import InputError
from bibexport.importer.update import merge, normalise_link, normalise_title

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SEED = Path(__file__).resolve().parent.parent / "sessions.toml"

EXISTING = """\
# Reading list for bibexport.
[course]
title = "LLMs"

[[sessions]]
slug = "basicllm"  # renamed by hand
name = "BasicLLM"
date = 2024-02-08

[[sessions.required]]
# Hand edit: the blog post, not the paper.
title = "Mistral 7B (announcement)"
links = ["https://mistral.ai/news/announcing-mistral-7b/"]
prefer = "web"

[[sessions.further]]
title = "OLMo"
links = ["https://arxiv.org/abs/2402.00838"]
listed = { authors = "Groeneveld et al.", year = 2024 }

# Alignment comes next.
[[sessions]]
slug = "alignment"
name = "Alignment"
when = "Feb 6"

[[sessions.further]]
title = "Dropped from the new list"
links = ["https://example.org/old"]
"""

IMPORTED = """\
[course]

[[sessions]]
slug = "basicllm"
name = "BasicLLM"
date = 2024-02-08

[[sessions.required]]
title = "Mistral 7B"
links = ["http://www.mistral.ai/news/announcing-mistral-7b"]

[[sessions.required]]
title = "Mixtral of Experts"
links = ["https://arxiv.org/abs/2401.04088"]

[[sessions.further]]
title = "OLMo: Accelerating the Science of Language Models"
links = ["https://arxiv.org/pdf/2402.00838v3.pdf"]

[[sessions]]
slug = "bias"
name = "Bias"
date = 2024-02-22

[[sessions.required]]
title = "Bias in LLMs"
links = ["https://arxiv.org/abs/2309.00770"]

[[sessions]]
slug = "alignment"
name = "Alignment"

[[sessions.required]]
title = "Aligning Large Language Models with Human: A Survey"
links = ["https://arxiv.org/abs/2307.12966"]
"""


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(line in it for line in small)


def test_new_readings_and_sessions_are_added_and_hand_edits_kept() -> None:
    text, report = merge(EXISTING, IMPORTED)
    # every line of the existing file is still there, in order, unchanged
    assert _is_subsequence(EXISTING.splitlines(), text.splitlines())
    data = tomllib.loads(text)
    basic, bias, alignment = data["sessions"]
    # the hand-edited Mistral reading is matched by its link (http/www/trailing slash ignored), not overwritten
    assert [r["title"] for r in basic["required"]] == ["Mistral 7B (announcement)", "Mixtral of Experts"]
    assert basic["required"][0]["prefer"] == "web"
    # OLMo is matched by its arXiv id (pdf, version): the user's title and listed fields stay
    assert basic["further"] == [{"title": "OLMo", "links": ["https://arxiv.org/abs/2402.00838"],
                                 "listed": {"authors": "Groeneveld et al.", "year": 2024}}]
    # the new session is inserted at its place, before Alignment and the comment above it
    assert (bias["name"], bias["required"][0]["title"]) == ("Bias", "Bias in LLMs")
    assert text.index('name = "Bias"') < text.index("# Alignment comes next.") < text.index('name = "Alignment"')
    assert [r["title"] for r in alignment["required"]] == ["Aligning Large Language Models with Human: A Survey"]
    assert alignment["when"] == "Feb 6" and "date" not in alignment  # the existing session's fields stay
    # the reading the new list no longer has is kept and reported with its line
    assert [r["title"] for r in alignment["further"]] == ["Dropped from the new list"]
    assert report.missing == [("Alignment", "Dropped from the new list", 27)]
    assert report.added_sessions == ["Bias"]
    assert sorted(t for _, t in report.added) == ["Aligning Large Language Models with Human: A Survey",
                                                   "Bias in LLMs", "Mixtral of Experts"]
    assert report.unchanged == 2
    lines = report.lines("sessions.toml")
    assert lines[0].startswith("sessions.toml: 3 readings added (1 new sessions), 2 already there, 1 no longer")
    assert any("sessions.toml:27:" in line and "kept" in line for line in lines)
    # deterministic, and idempotent: merging the same import again adds nothing
    assert merge(EXISTING, IMPORTED) == (text, report)
    again, report2 = merge(text, IMPORTED)
    assert again == text and not report2.changed


def test_a_required_reading_goes_before_the_further_ones_of_its_session() -> None:
    existing = '[[sessions]]\nslug = "a"\nname = "A"\n\n# further first\n[[sessions.further]]\ntitle = "F"\nlinks = []\n'
    imported = '[[sessions]]\nslug = "a"\nname = "A"\n\n[[sessions.required]]\ntitle = "R"\nlinks = ["https://x.org/r"]\n'
    text, _ = merge(existing, imported)
    assert text.index('title = "R"') < text.index("# further first") < text.index('title = "F"')
    assert tomllib.loads(text)["sessions"][0]["required"][0]["title"] == "R"


def test_a_reading_moved_to_another_session_by_hand_is_not_added_again() -> None:
    existing = ('[[sessions]]\nslug = "a"\nname = "A"\n\n[[sessions]]\nslug = "b"\nname = "B"\n\n'
                '[[sessions.required]]\ntitle = "Moved here"\nlinks = ["https://arxiv.org/abs/2401.00001"]\n')
    imported = ('[[sessions]]\nslug = "a"\nname = "A"\n\n'
                '[[sessions.required]]\ntitle = "Moved"\nlinks = ["https://arxiv.org/abs/2401.00001v1"]\n')
    text, report = merge(existing, imported)
    assert text == existing and report.unchanged == 1 and report.missing_sessions == [("B", 5)]


def test_the_seed_merged_with_itself_is_unchanged() -> None:
    seed = SEED.read_text(encoding="utf-8")
    text, report = merge(seed, seed)
    assert text == seed and not report.changed and not report.missing
    assert report.unchanged == sum(len(s.get("required", [])) + len(s.get("further", []))
                                   for s in tomllib.loads(seed)["sessions"])


def test_invalid_or_inline_tables_are_refused_clearly() -> None:
    with pytest.raises(InputError) as err:
        merge("[[sessions]\n", IMPORTED, path="s.toml")
    assert "s.toml:1: invalid TOML" in str(err.value)
    inline = '[[sessions]]\nslug = "a"\nname = "A"\nrequired = [{ title = "X", links = [] }]\n'
    with pytest.raises(InputError) as err:
        merge(inline, IMPORTED, path="s.toml")
    assert "[[sessions.required]]" in str(err.value)


def test_link_and_title_normalisation() -> None:
    assert normalise_link("http://www.arxiv.org/pdf/2301.00001v2.pdf") == "arxiv.org/abs/2301.00001"
    assert normalise_link("https://arxiv.org/abs/2301.00001/") == "arxiv.org/abs/2301.00001"
    assert normalise_link("https://dx.doi.org/10.1086/ABC") == normalise_link("https://doi.org/10.1086/abc")
    assert normalise_link("https://openreview.net/pdf?id=XyZ") == normalise_link("https://openreview.net/forum?id=XyZ")
    assert normalise_link("https://x.org/a?utm_source=t&b=1") == "x.org/a?b=1"
    assert normalise_link("https://x.org/A") != normalise_link("https://x.org/a")  # paths are case-sensitive
    assert normalise_title("  Économie: *the* Basics ") == normalise_title("economie the basics")


_titles = st.lists(st.text(alphabet="abcdefgh XYZ", min_size=1, max_size=12).filter(str.strip),
                   min_size=0, max_size=4, unique_by=normalise_title)


@settings(max_examples=60, deadline=None)
@given(old=_titles, new=_titles)
# Found by a run: the file has XXX before XX, the list XX before XXX; "X" follows XXX and "XXXX" follows XX.
@example(old=["XXX", "XX"], new=["XX", "XXXX", "XXX", "X"])
def test_merge_keeps_every_existing_line_and_adds_exactly_the_new_readings(old: list[str], new: list[str]) -> None:
    def toml(titles: list[str], comment: str) -> str:
        body = "".join(f'{comment}[[sessions.required]]\ntitle = "{t}"\nlinks = []\n\n' for t in titles)
        return f'[[sessions]]\nslug = "s"\nname = "S"\n\n{body}'

    existing, imported = toml(old, "# hand note\n"), toml(new, "")
    text, report = merge(existing, imported)
    assert _is_subsequence(existing.splitlines(), text.splitlines())
    titles = [r["title"] for r in tomllib.loads(text)["sessions"][0].get("required", [])]
    old_keys = {normalise_title(t) for t in old}
    added = [t for t in new if normalise_title(t) not in old_keys]
    assert sorted(titles) == sorted(old + added)
    assert [t for t in titles if t in old] == old  # the file's order is kept
    common = [t for t in new if normalise_title(t) in old_keys]
    if [t for t in old if t in common] == common:  # where file and list agree on order, new ones keep the list's
        assert [t for t in titles if t not in old] == added
    else:  # each new reading goes after its neighbour in the list, which the file may have moved
        assert sorted(t for t in titles if t not in old) == sorted(added)
    assert {t for _, t, _ in report.missing} == {t for t in old if normalise_title(t) not in
                                                  {normalise_title(n) for n in new}}


def test_cli_import_update_keeps_hand_edits_and_reports(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bibexport.cli import cli

    listing = tmp_path / "list.md"
    listing.write_text("## 2024-02-08 BasicLLM\n- [Mistral 7B](https://mistral.ai/news/announcing-mistral-7b/)\n"
                       "- [Old paper](https://arxiv.org/abs/2001.00001)\n", encoding="utf-8")
    out = tmp_path / "sessions.toml"
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(listing), "-o", str(out)]).exit_code == 0
    refused = runner.invoke(cli, ["import", str(listing), "-o", str(out)])
    assert refused.exit_code == 3 and "--update" in refused.output
    edited = out.read_text(encoding="utf-8").replace('title = "Mistral 7B"',
                                                     '# my note\ntitle = "Mistral 7B (blog)"')
    out.write_text(edited, encoding="utf-8")
    listing.write_text("## 2024-02-08 BasicLLM\n- [Mistral 7B](https://mistral.ai/news/announcing-mistral-7b/)\n"
                       "- [Mixtral of Experts](https://arxiv.org/abs/2401.04088)\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", str(listing), "-o", str(out), "--update"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert _is_subsequence(edited.splitlines(), text.splitlines())
    titles = [r["title"] for r in tomllib.loads(text)["sessions"][0]["required"]]
    assert titles == ["Mistral 7B (blog)", "Mixtral of Experts", "Old paper"]  # placed after Mistral, as listed
    assert "1 readings added" in result.output and '"Old paper" (BasicLLM) is not in the new list; kept' in (
        result.output)
    unchanged = runner.invoke(cli, ["import", str(listing), "-o", str(out), "--update"])
    assert unchanged.exit_code == 0 and out.read_text(encoding="utf-8") == text
    assert runner.invoke(cli, ["import", str(listing), "--update"]).exit_code == 2  # needs -o


def test_a_new_reading_goes_where_the_new_list_puts_it() -> None:
    def reading(title: str) -> str:
        return f'[[sessions.required]]\ntitle = "{title}"\nlinks = ["https://x.org/{title}"]\n\n'

    head = '[[sessions]]\nslug = "s"\nname = "S"\n\n'
    existing = head + reading("A") + "# about B\n" + reading("B")
    text, _ = merge(existing, head + reading("N0") + reading("A") + reading("N1") + reading("N2") + reading("B"))
    titles = [r["title"] for r in tomllib.loads(text)["sessions"][0]["required"]]
    assert titles == ["N0", "A", "N1", "N2", "B"]
    assert text.index('"N2"') < text.index("# about B") < text.index('title = "B"')


def test_crlf_files_stay_crlf_and_an_empty_file_gets_the_import() -> None:
    old = '[[sessions]]\r\nslug = "a"\r\nname = "A"\r\n\r\n[[sessions.required]]\r\ntitle = "X"\r\nlinks = []\r\n'
    new = '[[sessions]]\nslug = "a"\nname = "A"\n\n[[sessions.required]]\ntitle = "Y"\nlinks = []\n'
    text, report = merge(old, new)
    assert text.startswith(old) and "\n" not in text.replace("\r\n", "")
    assert [t for _, t in report.added] == ["Y"] and [t for _, t, _ in report.missing] == ["X"]
    text, report = merge("", new)
    assert text == new and report.added_sessions == ["A"]


def test_a_comment_after_a_reading_stays_with_it() -> None:
    existing = ('[[sessions]]\nslug = "s"\nname = "S"\n\n[[sessions.required]]\ntitle = "A"\nlinks = []\n'
                "# TODO: find the journal version of A\n\n# about B\n[[sessions.required]]\ntitle = \"B\"\nlinks = []\n")
    imported = ('[[sessions]]\nslug = "s"\nname = "S"\n\n[[sessions.required]]\ntitle = "A"\nlinks = []\n\n'
                '[[sessions.required]]\ntitle = "N"\nlinks = []\n\n[[sessions.required]]\ntitle = "B"\nlinks = []\n')
    text, _ = merge(existing, imported)
    assert text.index("# TODO: find the journal") < text.index('title = "N"') < text.index("# about B")
    assert _is_subsequence(existing.splitlines(), text.splitlines())


def test_a_new_session_brings_only_the_readings_the_file_lacks() -> None:
    existing = ('[[sessions]]\nslug = "a"\nname = "A"\n\n[[sessions.required]]\ntitle = "X (moved here)"\n'
                'links = ["https://arxiv.org/abs/2401.00001"]\n')
    imported = ('[[sessions]]\nslug = "a"\nname = "A"\n\n[[sessions]]\nslug = "n"\nname = "N"\n\n'
                '[[sessions.required]]\ntitle = "X"\nlinks = ["https://arxiv.org/abs/2401.00001"]\n\n'
                '[[sessions.further]]\ntitle = "Y"\nlinks = ["https://arxiv.org/abs/2401.00002"]\n')
    text, report = merge(existing, imported)
    a, n = tomllib.loads(text)["sessions"]
    assert [r["title"] for r in a["required"]] == ["X (moved here)"]
    assert "required" not in n and [r["title"] for r in n["further"]] == ["Y"]
    assert (report.added_sessions, report.added, report.unchanged) == (["N"], [("N", "Y")], 1)

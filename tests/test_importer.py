"""Tests for bibexport.importer: the seed reading list, Markdown course pages, link repair, bad input."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibexport.errors import InputError
from bibexport.importer import ImportMessage, ImportResult, import_file, import_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SEED = FIXTURES / "seed-reading-list.txt"


def parsed(result: ImportResult) -> dict:
    return tomllib.loads(result.toml)


def titles(doc: dict, session: int, role: str) -> list[str]:
    return [r["title"] for r in doc["sessions"][session].get(role, [])]


def messages(result: ImportResult) -> list[str]:
    return [m.message for m in result.messages]


# ------------------------------------------------------------------------------------------ the seed


@pytest.fixture(scope="module")
def seed() -> ImportResult:
    return import_file(SEED)


def test_seed_sessions_in_input_order(seed: ImportResult) -> None:
    doc = parsed(seed)
    got = [(s["slug"], s["name"], s["date"].isoformat()) for s in doc["sessions"]]
    assert got == [
        ("basicllm", "BasicLLM", "2024-02-08"),
        ("alignment", "Alignment", "2024-02-06"),
        ("llmevaluate", "LLMEvaluate", "2024-01-30"),
    ]
    assert (seed.sessions, seed.readings) == (3, 18)


def test_seed_every_title_becomes_a_reading(seed: ImportResult) -> None:
    doc = parsed(seed)
    assert titles(doc, 0, "required") == ["Mistral 7B"]
    assert titles(doc, 0, "further") == [
        "OLMo: Accelerating the Science of Language Models",
        "Mixtral of Experts",
        "Llama 2: Open Foundation and Fine-Tuned Chat Models",
        "The Pile: An 800GB Dataset of Diverse Text for Language Modeling",
    ]
    assert titles(doc, 1, "required") == ["Aligning Large Language Models with Human: A Survey"]
    assert titles(doc, 1, "further") == [
        "Github Awesome-RLHF",
        "The Flan Collection: Designing Data and Methods for Effective Instruction Tuning",
        "DPO Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
        "Training language models to follow instructions with human feedback",
        "Deep reinforcement learning from human preferences",
    ]
    assert titles(doc, 2, "required") == [
        "Holistic Evaluation of Text-To-Image Models",
        "Holistic Evaluation of Language Models",
    ]
    assert titles(doc, 2, "further") == [
        "Challenges in evaluating AI systems",
        "Evaluating Large Language Models: A Comprehensive Survey",
        "Evaluating Large Language Models Trained on Code",
        "chatbot-arena-leaderboard",
        "Leveraging Large Language Models for NLG Evaluation: A Survey",
    ]


def test_seed_title_count_matches_the_file(seed: ImportResult) -> None:
    # Independent count: in the seed every title is a non-blank line that is no header, name, section marker,
    # boilerplate, link, quote, empty bullet or long abstract.
    lines = SEED.read_text(encoding="utf-8").splitlines()
    names = {"BasicLLM", "Alignment", "LLMEvaluate"}
    count = 0
    for line in lines:
        s = line.strip().removeprefix("- ").strip()
        if not s or s == "-" or s in names or s.startswith(("read on", "http", "In this session", "“")):
            continue
        if s.lower().rstrip(":") in {"required readings", "more readings"} or len(s) > 160:
            continue
        count += 1
    assert count == 18 == sum(len(s.get("required", [])) + len(s.get("further", [])) for s in parsed(seed)["sessions"])


def test_seed_links(seed: ImportResult) -> None:
    doc = parsed(seed)
    alignment = doc["sessions"][1]
    assert alignment["required"][0]["links"] == [
        "https://arxiv.org/abs/2307.12966",
        "https://huggingface.co/blog/the_n_implementation_details_of_rlhf_with_ppo",
        "https://huggingface.co/blog/stackllama",
    ]
    further = {r["title"]: r["links"] for r in alignment["further"]}
    assert further["Github Awesome-RLHF"] == []
    assert further["Training language models to follow instructions with human feedback"] == [
        "https://arxiv.org/abs/2203.02155"
    ]
    assert further["Deep reinforcement learning from human preferences"] == [
        "https://openreview.net/forum?id=GisHNaleWiA"
    ]
    assert further["DPO Direct Preference Optimization: Your Language Model is Secretly a Reward Model"] == [
        "https://arxiv.org/abs/2305.18290",
        "https://huggingface.co/blog/dpo-trl",
    ]
    assert doc["sessions"][0]["further"][2]["links"] == []  # Llama 2 has no link in the seed
    assert doc["sessions"][0]["required"][0]["links"] == ["https://mistral.ai/news/announcing-mistral-7b/"]


def test_seed_repair_is_reported_with_its_line(seed: ImportResult) -> None:
    assert ImportMessage(
        38, 'repaired link "https://arxiv.org/abs/2203.02155)" → "https://arxiv.org/abs/2203.02155" (stray ")")'
    ) in seed.messages
    assert not [m for m in messages(seed) if m.startswith("could not place")]


def test_seed_dropped_prose_is_summarised(seed: ImportResult) -> None:
    summary = [m for m in seed.messages if m.message.startswith("left out")]
    assert len(summary) == 1
    assert summary[0].message.endswith("11 line(s) of abstract, quote or note text (lines 7, 11, 14, 16, 19, 32, 36, 39, 43, 50, 58)")


def test_multi_link_arrays_put_each_link_on_its_own_line(seed: ImportResult) -> None:
    lines = seed.toml.splitlines()
    for url in ("https://arxiv.org/abs/2307.12966", "https://huggingface.co/blog/stackllama"):
        assert [line for line in lines if url in line] == [f'  "{url}",']


def test_output_is_deterministic() -> None:
    text = SEED.read_text(encoding="utf-8")
    first, second = import_text(text), import_text(text)
    assert first == second
    assert first.toml.startswith("# Reading list for bibexport.")
    assert "# Imported from reading-list.txt by `bibexport import`." in first.toml


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_newlines_bom_and_tabs_do_not_change_the_result(newline: str, seed: ImportResult, tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace("\n", newline).replace("- https", "-\thttps")
    path = tmp_path / SEED.name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = import_file(path)
    assert result.toml == seed.toml
    assert result.messages == seed.messages  # line numbers count CR and CRLF as one line break

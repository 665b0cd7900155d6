"""`bibexport import`: the report on stderr (summary, skipped links by reason with at most three examples, lines
not understood; -v lists all), exit codes, stdin, and bad input that ends in a clear message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bibexport.cli import cli
from bibexport.errors import ExitCode

FIXTURES = Path(__file__).parent / "fixtures" / "import"

# Five slide links, two recordings, one placeholder and two readings in one week.
PAGE = """# Course (Spring 2024)

## Week 1 (Jan 30)

- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)
- [Language Models are Few-Shot Learners](https://arxiv.org/abs/2005.14165)
- [Slides 1](https://example.edu/slides/1.pdf)
- [Slides 2](https://example.edu/slides/2.pdf)
- [Slides 3](https://example.edu/slides/3.pdf)
- [Slides 4](https://example.edu/slides/4.pdf)
- [Slides 5](https://example.edu/slides/5.pdf)
- [Lecture video](https://www.youtube.com/watch?v=a)
- [Recording](https://panopto.example.edu/x)
- [TODO](#)
"""


def run(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["import", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_report_counts_and_at_most_three_examples(tmp_path: Path) -> None:
    source = tmp_path / "list.md"
    source.write_text(PAGE, encoding="utf-8")
    code, out, err = run([str(source)])
    assert code == ExitCode.OK and out.startswith("# Reading list for bibexport.")
    assert err.splitlines()[0] == (
        f"imported {source} (markdown): 1 session, 2 readings, 2 links kept, 8 links skipped, 0 lines not understood"
    )
    assert "  skipped 5 (slides):" in err and "  skipped 2 (recording):" in err and "  skipped 1 (placeholder):" in err
    assert len(re.findall(r"slides/\d\.pdf", err)) == 3  # three examples, then a pointer to -v
    assert "… and 2 more (-v lists them all)" in err


def test_verbose_lists_everything(tmp_path: Path) -> None:
    source = tmp_path / "list.md"
    source.write_text(PAGE, encoding="utf-8")
    _, _, err = run([str(source), "-v"])
    assert len(re.findall(r"slides/\d\.pdf", err)) == 5 and "more (-v" not in err


def test_year_completed_from_the_heading_and_written_date_kept(tmp_path: Path) -> None:
    source = tmp_path / "list.md"
    source.write_text(PAGE, encoding="utf-8")
    _, out, _ = run([str(source)])
    assert "date = 2024-01-30" in out
    source.write_text(PAGE.replace("(Spring 2024)", ""), encoding="utf-8")
    _, out, err = run([str(source)])
    assert 'when = "Jan 30"' in out and "no year" in err


def test_stdin_and_output_file(tmp_path: Path) -> None:
    text = "read on: - 08 Feb 2024\nSession8\nRequired Readings:\nSome Paper Title Here\n- https://arxiv.org/abs/2601.00001\n"
    code, out, err = run(["-"], stdin=text)
    assert code == ExitCode.OK and 'name = "Session8"' in out and "date = 2024-02-08" in out
    assert err.startswith("imported <stdin> (text): 1 session, 1 reading")
    target = tmp_path / "sessions.toml"
    code, _, err = run(["-", "-o", str(target)], stdin=text)
    assert code == ExitCode.OK and target.read_text(encoding="utf-8").count("[[sessions]]") == 1
    code, _, err = run(["-", "-o", str(target)], stdin=text)  # no silent overwrite
    assert code == ExitCode.INPUT and "already exists" in err


def test_no_reading_is_exit_3_with_a_clear_message(tmp_path: Path) -> None:
    source = tmp_path / "notes.md"
    source.write_text("# Notes\n\nJust some thoughts about language models.\n", encoding="utf-8")
    code, out, err = run([str(source)])
    assert code == ExitCode.INPUT and out == ""
    assert "no reading found" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("list.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("list.txt", "read on: 2024-02-08\n".encode("utf-16"), "UTF-16"),
        ("list.txt", b"read on: 2024-02-08\nCaf\xe9\n", "not valid UTF-8"),
    ],
)
def test_bad_bytes_are_refused_clearly(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    code, out, err = run([str(source)])
    assert code == ExitCode.INPUT and message in err and out == "" and "Traceback" not in err


def test_oversized_input_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bibexport import config

    monkeypatch.setattr(config, "MAX_INPUT_BYTES", 1000)
    source = tmp_path / "big.md"
    source.write_text(PAGE * 10, encoding="utf-8")
    code, _, err = run([str(source)])
    assert code == ExitCode.INPUT and "MB" in err


def test_scripts_and_deep_nesting_in_html_are_safe(tmp_path: Path) -> None:
    page = (
        "<html><head><script>document.write('<a href=\"https://evil.example/x\">x</a>')</script></head><body>"
        "<h2>Week 1 (2024-01-30)</h2><ul><li><a href='https://arxiv.org/abs/1706.03762'>Attention Is All You Need"
        "</a></li><li><a href='javascript:alert(1)'>Click me</a></li></ul>"
        + "<div>" * 3000 + "<a href='https://arxiv.org/abs/2005.14165'>Deep inside</a>" + "</div>" * 3000
        + "</body></html>"
    )
    source = tmp_path / "page.html"
    source.write_text(page, encoding="utf-8")
    code, out, err = run([str(source), "-v"])
    assert code == ExitCode.OK and "Traceback" not in err
    assert 'title = "Attention Is All You Need"' in out and "evil.example" not in out
    assert "javascript:alert(1)" in err and "not a web link" in err


def test_seed_through_the_command(tmp_path: Path) -> None:
    code, out, err = run([str(FIXTURES / "seed-reading-list.txt")])
    assert code == ExitCode.OK and out.count("[[sessions]]") == 3
    assert ": 3 sessions, 18 readings," in err.splitlines()[0]

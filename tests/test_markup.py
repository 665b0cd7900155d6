"""markup.clean: the split/join form collapses exactly the whitespace the regex form did."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bibexport.emitters import markup

_EDGE = st.sampled_from([" ", "\t", "\n", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\ue000", "\ue012", "\ue0ff"])


@settings(max_examples=500)
@given(st.lists(st.text(max_size=5) | _EDGE, max_size=12).map("".join))
def test_clean_equals_the_regex_definition(text: str) -> None:
    expected = re.sub(r"\s+", " ", re.sub("[\ue000-\ue0ff]", "", text)).strip()
    assert markup.clean(text) == expected


def test_clean_examples() -> None:
    assert markup.clean("  Deep\u00a0 learning\t\n\ue000for\ue001  all ") == "Deep learning for all"
    assert markup.clean("\u3000\u2028") == ""

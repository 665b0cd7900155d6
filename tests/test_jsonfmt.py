"""jsonfmt.dumps writes exactly what json.dumps(ensure_ascii=False, indent=2) writes (lockfile, CSL-JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibexport import jsonfmt

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON, st.sampled_from([0, 1, 2, 4]))
def test_same_text_as_json_dumps(value: object, indent: int) -> None:
    assert jsonfmt.dumps(value, indent) == json.dumps(value, ensure_ascii=False, indent=indent)


def test_tuples_are_lists_and_the_real_lockfile_is_unchanged() -> None:
    assert jsonfmt.dumps({"a": (1, ("x",))}) == json.dumps({"a": [1, ["x"]]}, indent=2)
    doc = json.loads((Path(__file__).parent.parent / "sessions.lock.json").read_text(encoding="utf-8"))
    assert jsonfmt.dumps(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("bad", [{1: "int key"}, {"x": object()}, [b"bytes"]])
def test_non_json_data_is_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        jsonfmt.dumps(bad)

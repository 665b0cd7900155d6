"""Indented JSON, byte-identical to ``json.dumps(value, ensure_ascii=False, indent=2)``, about 3× faster.

With ``indent`` set, the standard library falls back from its C encoder to a generator-based pure-Python one;
the lockfile of a 10,000-reading course (27 MB) took 2.5 s to serialise that way.  This module writes the same
text with plain recursion and the C string encoder.  Only JSON data is accepted (dict with str keys, list,
tuple, str, int, float, bool, None), as the lockfile and CSL-JSON hold.
"""

from __future__ import annotations

import math
from json.encoder import encode_basestring  # the C implementation when available (ensure_ascii=False)
from typing import Any

__all__ = ["dumps"]

_float_repr = float.__repr__
_INF = float("inf")


def dumps(value: Any, indent: int = 2) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=indent)``, same bytes."""
    parts: list[str] = []
    _write(value, parts, "\n", " " * indent)
    return "".join(parts)


def _write(value: Any, out: list[str], newline: str, step: str) -> None:
    # ``newline`` is "\n" plus the current indentation.  Order of checks follows json.encoder (str first,
    # bool before int since bool is an int).
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + step
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("jsonfmt.dumps handles str keys only")  # json would convert; we never need it
            out.append(("{" if first else ",") + inner + encode_basestring(key) + ": ")
            first = False
            _write(item, out, inner, step)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + step
        first = True
        for item in value:
            out.append(("[" if first else ",") + inner)
            first = False
            _write(item, out, inner, step)
        out.append(newline + "]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return _float_repr(value)


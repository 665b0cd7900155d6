"""bibexport: turn a course reading list into bibliographies (BibTeX, CSL-JSON, formatted lists).

As a library: :func:`build` and :func:`check` (see :mod:`bibexport.api`) return a
:class:`~bibexport.report.BuildReport` / :class:`~bibexport.report.CheckReport`.
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/bibexport/bibexport"

if TYPE_CHECKING:
    from bibexport.api import build, check
    from bibexport.errors import BibexportError, InputError, OptionError
    from bibexport.report import BuildReport, CheckReport

__all__ = ["BibexportError", "BuildReport", "CheckReport", "InputError", "OptionError", "__version__", "build",
           "check"]

#: Where each name of the API lives.  Loaded on first use: ``bibexport --help`` imports this package and should
#: not pay for the report's dataclasses and enums.
_LAZY = {"build": "bibexport.api", "check": "bibexport.api", "BibexportError": "bibexport.errors",
         "InputError": "bibexport.errors", "OptionError": "bibexport.errors", "BuildReport": "bibexport.report",
         "CheckReport": "bibexport.report"}


def __getattr__(name: str) -> object:
    """The API's names, imported when first asked for (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'bibexport' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value

"""Optional parts imported when used, with an error that names the extra to install.

    >>> require("json", "sql").__name__
    'json'
    >>> require("no_such_module_here", "media")
    Traceback (most recent call last):
    ...
    vdb_notebook._optional.MissingExtra: this needs no_such_module_here, which comes with the 'media' extra: pip install 'vdb_notebook[media]'
"""
from __future__ import annotations

import importlib
from types import ModuleType

#: The extra that brings each optional top-level module.
EXTRA_OF = {"av": "media", "PIL": "media", "duckdb": "sql", "dask": "dask", "distributed": "dask"}


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says which extra brings it."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"this needs {module}, which comes with the {extra!r} extra: "
                         f"pip install 'vdb_notebook[{extra}]'", name=module)
        self.extra = extra


def require(module: str, extra: str | None = None) -> ModuleType:
    """`import module`, or MissingExtra naming the extra (default: EXTRA_OF) to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingExtra(top, extra or EXTRA_OF.get(top, "all")) from exc


__all__ = ["EXTRA_OF", "MissingExtra", "require"]

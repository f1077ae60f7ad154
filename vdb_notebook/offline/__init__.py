"""Your code, unchanged, offline: the `videodb` SDK redirected to a local emulator.

Three ways, modelled on moto's `mock_aws` and its server mode:

- `vn.mock_videodb(...)` (mock.py): a context manager and a decorator;
- `python -m vdb_notebook.offline app.py [args]` / `python -m vdb_notebook.offline -m uvicorn app:app`
  (runner.py): a whole program, and the children it starts with the same interpreter;
- the pytest plugin (pytest_plugin.py, registered as a `pytest11` entry point): the
  `videodb_emulator` fixture and `pytest --videodb-offline` (nbval notebooks included).

Nothing is patched until one of them is used (redirect.py says what is patched and how it is
put back; children.py how child processes follow).
"""
from __future__ import annotations

from .mock import mock_videodb
from .redirect import active_emulator

__all__ = ["active_emulator", "mock_videodb"]

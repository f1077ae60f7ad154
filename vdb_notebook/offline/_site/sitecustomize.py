"""vdb_notebook.offline's start-up hook for child processes (see vdb_notebook/offline/children.py).

Put first on PYTHONPATH by the runner and `pytest --videodb-offline`; it never stops the
interpreter from starting, and it runs the `sitecustomize` it shadows, if there is one.
"""
import importlib.machinery
import importlib.util
import os
import sys


def _redirect() -> None:
    try:
        from vdb_notebook.offline.children import install_hook
        install_hook()
    except Exception as exc:  # a broken hook must not break every child
        sys.stderr.write(f"vdb_notebook.offline: the redirect is not active in this process: {exc!r}\n")


def _chain() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None and spec.origin != os.path.abspath(__file__):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


_redirect()
_chain()

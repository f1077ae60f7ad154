"""Run a notebook's code cells, unchanged, in one IPython shell, going on after a failing cell;
write one JSON line per cell (index, ok, error) to the file named by argv[2]. A third argument
names a Python file of the test's own, run afterwards in the same namespace (as the "after"
cell), to look at what the notebook left behind.

    python -m vdb_notebook.offline tests/offline/run_cells.py Intrusion_Detection.ipynb results.jsonl

The test harness for vendored notebooks that ask for input (getpass reads stdin without a
terminal), which nbval kernels cannot answer.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
from IPython.core.interactiveshell import InteractiveShell


def main(notebook: str, results: str, after: str | None = None) -> None:
    shell = InteractiveShell.instance()
    sources = [(index, cell.source) for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells)
               if cell.cell_type == "code"]
    if after is not None:
        sources.append(("after", Path(after).read_text(encoding="utf-8")))
    with open(results, "w", encoding="utf-8") as out:
        for index, source in sources:
            outcome = shell.run_cell(source, store_history=True)
            error = outcome.error_in_exec or outcome.error_before_exec
            out.write(json.dumps({"cell": index, "ok": outcome.success,
                                  "error": None if error is None else f"{type(error).__name__}: {error}"}) + "\n")
            out.flush()


if __name__ == "__main__":
    main(*sys.argv[1:4])

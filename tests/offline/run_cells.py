"""Run a notebook's code cells, unchanged, in one IPython shell, going on after a failing cell;
write one JSON line per cell (index, ok, error) to the file named by argv[2].

    python -m vdb_notebook.offline tests/offline/run_cells.py Intrusion_Detection.ipynb results.jsonl

The test harness for vendored notebooks that ask for input (getpass reads stdin without a
terminal), which nbval kernels cannot answer.
"""
from __future__ import annotations

import json
import sys

import nbformat
from IPython.core.interactiveshell import InteractiveShell


def main(notebook: str, results: str) -> None:
    shell = InteractiveShell.instance()
    cells = nbformat.read(notebook, as_version=4).cells
    with open(results, "w", encoding="utf-8") as out:
        for index, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            outcome = shell.run_cell(cell.source, store_history=True)
            error = outcome.error_in_exec or outcome.error_before_exec
            out.write(json.dumps({"cell": index, "ok": outcome.success,
                                  "error": None if error is None else f"{type(error).__name__}: {error}"}) + "\n")
            out.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""The notebooks as files: what nbval cannot see when it re-runs them.

nbval (`pytest --nbval notebooks --sanitize-with notebooks/sanitize.cfg`) checks that a fresh
run reproduces the saved outputs. These tests check that there are saved outputs to compare,
that JupyterLab opens each notebook without asking for a kernel, that no output was waved
through with an unexplained NBVAL_IGNORE_OUTPUT, and that no credential was saved.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import vdb_notebook as vn

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
EXPECTED = ["01_quickstart.ipynb", "02_webhooks.ipynb", "03_analysis.ipynb",
            "04_going_live.ipynb", "05_many_sessions.ipynb", "06_your_code_offline.ipynb",
            "07_fleet.ipynb"]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
#: nbval's cell markers that weaken or skip the comparison of a cell.
MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_RAISES_EXCEPTION")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def output_text(nb: dict) -> str:
    """Every saved text output of the notebook (streams, results, displays, errors)."""
    parts = []
    for cell in code_cells(nb):
        for out in cell["outputs"]:
            parts.append("".join(out.get("text", "")))
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    parts.append(json.dumps(value) if not isinstance(value, (str, list))
                                 else "".join(value))
            parts.append(" ".join(out.get("traceback", [])))
    return "\n".join(parts)


def test_the_notebooks_are_there():
    assert [p.name for p in PATHS] == EXPECTED


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_kernelspec_and_language_info(path):
    metadata = load(path)["metadata"]
    assert metadata.get("kernelspec") == KERNELSPEC, "JupyterLab would ask which kernel to use"
    assert metadata.get("language_info", {}).get("name") == "python"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_outputs_are_saved_in_order_and_without_errors(path):
    cells = code_cells(load(path))
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), \
        "run the notebook top to bottom in a fresh kernel (notebooks/build.py) and save it"
    assert sum(bool(cell["outputs"]) for cell in cells) >= len(cells) // 2, \
        "most cells should show something for nbval to compare"
    errors = [out for cell in cells for out in cell["outputs"] if out["output_type"] == "error"]
    assert not errors, f"saved error output: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    stderr = [out["text"] for cell in cells for out in cell["outputs"]
              if out["output_type"] == "stream" and out["name"] == "stderr"]
    assert not stderr, f"warnings or errors on stderr: {''.join(stderr[0])[:300]}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_nbval_marker_says_why(path):
    """A marker must be followed, in the same cell, by a comment that explains it."""
    for cell in code_cells(load(path)):
        lines = source(cell).splitlines()
        for number, line in enumerate(lines):
            if line.strip().lstrip("#").strip() in MARKERS:
                reason = lines[number + 1].strip() if number + 1 < len(lines) else ""
                assert reason.startswith("#") and len(reason) > 20, \
                    f"{line.strip()} needs a comment on the next line saying what varies and why"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_no_credential_in_saved_outputs(path):
    """The emulator's key travels exactly as a real key does; a repr leaking one shows here."""
    text = output_text(load(path))
    assert not re.search(r"emu-[A-Za-z0-9_-]{24}", text)  # an emulator's key (server.new_api_key)
    assert "x-access-token" not in text.lower()


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_notebook_explains_itself(path):
    cells = load(path)["cells"]
    assert cells[0]["cell_type"] == "markdown" and source(cells[0]).startswith("# ")
    prose = sum(cell["cell_type"] == "markdown" for cell in cells)
    assert prose >= len(cells) // 3, "short prose between the code cells, please"


def test_the_recording_is_one_whole_session():
    store = vn.replay(NOTEBOOKS / "data" / "standup.jsonl", progress=False)
    sessions = store.sessions()
    assert sessions["status"].tolist() == ["exported"]
    assert not store.rejected
    assert set(store.alerts()["label"]) == {"sensitive_content", "decision"}
    assert store.counts()["transcript"] > 0 and store.counts()["visual_index"] > 0


def test_the_readme_snippet_run_top_to_bottom_shows_events():
    """README's "API in a few lines", as a reader pastes it into a notebook cell."""
    import nbformat
    from nbclient import NotebookClient
    readme = (NOTEBOOKS.parent / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## The API in a few lines", 1)[1].split("```python\n", 1)[1]
    snippet = snippet.split("```", 1)[0]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(snippet), nbformat.v4.new_code_cell(
        "tables = {'transcript': feed.store.transcript(), 'alerts': feed.store.alerts(),\n"
        "          'sessions': feed.store.sessions()}\n"
        "print({name: len(table) for name, table in tables.items()})\n"
        "assert all(len(table) for table in tables.values()), 'an empty table'\n"
        "print('webhooks', rx.stats.processed, 'pipelines', list(pipes) == [session.id])\n"
        "await rx.close(); await feed.close()")]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    printed = "".join(out.get("text", "") for out in nb.cells[1].outputs)
    assert "'transcript':" in printed and "'alerts':" in printed
    fired = re.search(r"webhooks (\d+) pipelines (\w+)", printed)
    assert fired and int(fired.group(1)) > 0 and fired.group(2) == "True", printed  # callback_url


def _dashboard_outputs(nb: dict) -> list[dict]:
    return [out for cell in code_cells(nb) for out in cell["outputs"]
            if "vdb-snapshot" in "".join(out.get("data", {}).get("text/html", ""))]


@pytest.mark.parametrize("name", ["01_quickstart.ipynb", "04_going_live.ipynb"])
def test_the_saved_dashboard_is_its_final_state_with_and_without_widgets(name):
    """The snapshot in the dashboard's output and the saved widget state both end where the
    notebook ends (feed closed, every event counted); nbconvert shows the snapshot to readers
    of a notebook saved without widget state (JupyterLab's default), with no script to run."""
    import re

    import nbformat
    from nbconvert import HTMLExporter
    nb = load(NOTEBOOKS / name)
    output, = _dashboard_outputs(nb)
    snapshot = "".join(output["data"]["text/html"])
    total = int(re.search(r"static snapshot \(closed, (\d+) events\)", snapshot).group(1))
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    counters, = [m["state"]["value"] for m in state.values()  # (a progress bar's value is a number)
                 if "VideoDB events" in str(m["state"].get("value", ""))]
    assert "VideoDB events · closed" in counters
    assert re.search(r"total</span><b[^>]*>(\d+)<", counters).group(1) == str(total)
    assert "&gt;NEW&lt;" not in snapshot and ">NEW<" not in snapshot
    node = nbformat.read(NOTEBOOKS / name, as_version=4)
    del node.metadata["widgets"]
    html, _ = HTMLExporter().from_notebook_node(node)
    assert f"static snapshot (closed, {total} events)" in html
    assert "exported" in html.split("vdb-snapshot", 1)[1]  # the session pane's last step

"""The dashboard in a real JupyterLab, in headless Chromium: the standup scenario, end to end.

A notebook written into a temporary directory connects offline (the real SDK against the
emulator), opens a Feed, creates and starts a capture session, starts its pipelines with a
"sensitive_content" alert, and displays `vn.Dashboard(feed)`. JupyterLab runs it on the
project's own Python (a python3 kernelspec pointing at sys.executable is installed into a
temporary JUPYTER_DATA_DIR); Playwright drives Debian's Chromium to "Run All Cells" and waits
until the transcript and alert panes show the scenario's text. The screenshot goes to
test-artifacts/dashboard.png. In JupyterLab it then re-runs the dashboard cell (one renderer
thread per cell must remain) and switches to the dark theme (dashboard-dark.png): the panes
take the theme's colours.

The quickstart test runs 01_quickstart.ipynb with "Run All Cells", checks the dashboard's end
state (closed, no NEW badge past its age), saves the notebook as JupyterLab does and exports
it with nbconvert: the exported HTML, opened with JavaScript off, shows the final state.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

# Texts of the standup scenario that must reach the panes.
TRANSCRIPT_TEXT = "Morning, both."
ALERT_TEXT = "full payment card number"

CELLS = [
    "import sys\nimport vdb_notebook as vn\nprint('kernel prefix:', sys.prefix)",
    "conn = vn.connect(offline=True)\n"
    "feed = await vn.Feed.open(conn)\n"
    "session = conn.create_capture_session(end_user_id=\"user_abc\", collection_id=\"default\",\n"
    "                                      callback_url=\"\", ws_connection_id=feed.connection_id)\n"
    "conn.emulator.start_capture(session.id);",
    "pipelines = vn.start_pipelines(conn, session, feed, alerts={\n"
    "    \"sensitive_content\": \"Someone reads out or shows payment card details\"})",
    "dash = vn.Dashboard(feed, max_rate_hz=4, tail=20)\ndash",
    # A busy kernel: a synchronous cell blocks while another thread (as the webhook receiver's
    # does) adds events; the renderer thread must keep this pane moving meanwhile. The cell
    # blocks until the test, having seen the pane move, writes the release file.
    "import pathlib, threading, time\n"
    "busy = vn.EventStore()\n"
    "display(vn.Dashboard(busy, max_rate_hz=4, tail=3))\n"
    "def produce():\n"
    "    for i in range(40):\n"
    "        busy.add({'channel': 'transcript', 'rtstream_name': 'mic:default',\n"
    "                  'data': {'text': f'busy line {i}', 'is_final': True, 'start': 1768912496000 + i}})\n"
    "        time.sleep(0.05)\n"
    "threading.Thread(target=produce).start()\n"
    "while not pathlib.Path(RELEASE_FILE).exists():\n"
    "    time.sleep(0.05)",
    "print('renderer threads:', sum(t.name == 'vdb-dashboard-renderer' for t in threading.enumerate()))",
]
#: The cell that makes the feed's dashboard, and the one that counts renderer threads.
DASHBOARD_CELL, COUNT_CELL = 3, len(CELLS) - 1
#: What the busy cell waits for, in the notebook's folder (the kernel's working directory).
RELEASE_FILE = "release-the-busy-cell"


def notebook(release: str = RELEASE_FILE) -> dict:
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [{"cell_type": "code", "id": f"cell-{n}", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source.replace("RELEASE_FILE", repr(release))}
                  for n, source in enumerate(CELLS)],
    }


def output_text_contains(page, text: str, timeout_ms: int) -> None:
    page.wait_for_function(
        "text => [...document.querySelectorAll('.jp-OutputArea-output')]"
        ".some(e => e.textContent.includes(text))", arg=text, timeout=timeout_ms)


@pytest.fixture
def chromium_and_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return sync_playwright


@contextlib.contextmanager
def browser_page(sync_playwright, failure_picture: Path, *, javascript: bool = True):
    """A page in headless Debian Chromium; a screenshot goes to `failure_picture` if the block
    fails."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1500},
                                    java_script_enabled=javascript)
            try:
                yield page
            except Exception:
                page.screenshot(path=str(failure_picture))
                raise
        finally:
            browser.close()


def test_dashboard_in_a_browser_shows_the_standup_in_jupyterlab(jupyter_lab, chromium_and_playwright):
    """In the session's JupyterLab (tests/conftest.py)."""
    (jupyter_lab.root / "dashboard.ipynb").write_text(json.dumps(notebook(), indent=1))
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with browser_page(chromium_and_playwright, ARTIFACTS / "jupyterlab-failure.png") as page:
            # a workspace of its own: no other test's notebook open behind this one
            run_notebook_and_check(page, jupyter_lab, "/lab/workspaces/dashboard/tree/dashboard.ipynb", "jupyterlab",
                                   jupyter_lab.root / RELEASE_FILE)
    finally:
        jupyter_lab.shutdown_kernels()


def test_dashboard_in_a_browser_shows_the_standup_in_notebook7(tmp_path, chromium_and_playwright, start_jupyter):
    """`jupyter notebook` (Notebook 7), a server of its own."""
    if importlib.util.find_spec("notebook") is None:
        pytest.skip("notebook is not installed in this environment (pip install notebook)")
    work = tmp_path / "work"
    work.mkdir()
    (work / "dashboard.ipynb").write_text(json.dumps(notebook(), indent=1))
    ARTIFACTS.mkdir(exist_ok=True)
    lab = start_jupyter("notebook7", work, tmp_path / "jupyter", ARTIFACTS / "notebook7.log")
    try:
        lab.wait_ready()
        with browser_page(chromium_and_playwright, ARTIFACTS / "notebook7-failure.png") as page:
            run_notebook_and_check(page, lab, lab.path, "notebook7", work / RELEASE_FILE)
    finally:
        lab.stop()


def run_notebook_and_check(page, lab, path: str, frontend: str, release: Path) -> None:
    lab.open_and_run_all(page, path)
    output_text_contains(page, f"kernel prefix: {sys.prefix}\n", 60_000)  # this very environment
    output_text_contains(page, "busy line 39", 90_000)
    busy_prompt = page.locator(".jp-Notebook .jp-Cell").nth(COUNT_CELL - 1).locator(".jp-InputArea-prompt")
    assert "*" in busy_prompt.inner_text()  # drawn while the kernel was still busy in that cell
    release.touch()
    output_text_contains(page, "Transcript", 90_000)  # the dashboard's view was rendered
    output_text_contains(page, TRANSCRIPT_TEXT, 90_000)
    output_text_contains(page, ALERT_TEXT, 90_000)
    output_text_contains(page, "sensitive_content", 10_000)
    dashboard = page.locator(".jp-OutputArea-output:has-text('DataFrame tail')").first
    dashboard.scroll_into_view_if_needed()
    picture = "dashboard.png" if frontend == "jupyterlab" else f"dashboard-{frontend}.png"
    dashboard.screenshot(path=str(ARTIFACTS / picture))
    page.screenshot(path=str(ARTIFACTS / f"{frontend}.png"))
    text = dashboard.inner_text()
    assert "<script" not in dashboard.inner_html()
    assert "active" in text  # the session pane shows the capture session running
    output_text_contains(page, "renderer threads: 2", 30_000)  # the feed's and the busy one
    if frontend == "jupyterlab":
        rerun_the_dashboard_cell(page, times=4)
        switch_to_dark_theme_and_check(page)


def run_cell(page, index: int) -> None:
    """Run cell `index` again, as Ctrl+Enter does, and wait until the kernel is idle."""
    prompt = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputArea-prompt")
    before = prompt.inner_text()
    prompt.click()
    page.keyboard.press("Control+Enter")
    # done: a new execution count, no longer [*]
    page.wait_for_function("([e, before]) => e.textContent !== before && !e.textContent.includes('*')",
                           arg=[prompt.element_handle(), before], timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)


def rerun_the_dashboard_cell(page, times: int) -> None:
    for _ in range(times):
        run_cell(page, DASHBOARD_CELL)
    output_text_contains(page, "Transcript", 30_000)
    run_cell(page, COUNT_CELL)
    count = page.locator(".jp-Notebook .jp-Cell").nth(COUNT_CELL).locator(".jp-OutputArea-output")
    assert count.inner_text().strip() == "renderer threads: 2"  # not 2 + times


def switch_to_dark_theme_and_check(page) -> None:
    page.click(".lm-MenuBar-itemLabel:text-is('Settings')")
    page.hover(".lm-Menu-itemLabel:text-is('Theme')")
    page.click(".lm-Menu-itemLabel:text-is('JupyterLab Dark')")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    dashboard = page.locator(".jp-OutputArea-output:has-text('DataFrame tail')").first
    dashboard.scroll_into_view_if_needed()
    deadline = time.monotonic() + 30  # the theme's styles apply a moment after its flag
    while _luminance((colours := dashboard.evaluate(PANE_COLOURS))["background"]) >= 0.3 \
            and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert _luminance(colours["background"]) < 0.3, colours  # a dark card, not a white one
    assert _luminance(colours["text"]) > 0.6 and _luminance(colours["title"]) > 0.6, colours
    dashboard.screenshot(path=str(ARTIFACTS / "dashboard-dark.png"))
    page.click(".lm-MenuBar-itemLabel:text-is('Settings')")  # back to light for later tests
    page.hover(".lm-Menu-itemLabel:text-is('Theme')")
    page.click(".lm-Menu-itemLabel:text-is('JupyterLab Light')")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'true'", timeout=30_000)


PANE_COLOURS = """root => {
    const pane = [...root.querySelectorAll('div')].find(d => d.textContent.startsWith('Transcript'));
    const title = [...root.querySelectorAll('span')].find(s => s.textContent.startsWith('VideoDB events'));
    const style = e => getComputedStyle(e);
    return {background: style(pane).backgroundColor, text: style(pane).color, title: style(title).color};
}"""


def _luminance(css_colour: str) -> float:
    """0 (black) to 1 (white) for an 'rgb(r, g, b)' or 'rgba(...)' colour."""
    r, g, b = (int(float(v)) for v in css_colour[css_colour.index("(") + 1:-1].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_quickstart_notebook_runs_in_jupyterlab(tmp_path, chromium_and_playwright, jupyter_lab):
    """The README's main job: 01_quickstart.ipynb, outputs cleared, run with "Run All Cells" in
    JupyterLab (the session's, tests/conftest.py). It must finish (the last cell shows the closed
    feed) with no error output, and its dashboard must end on the exported session and the
    scenario's alert."""
    work = jupyter_lab.root
    quickstart = json.loads((ROOT / "notebooks" / "01_quickstart.ipynb").read_text())
    for cell in quickstart["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    quickstart["metadata"].pop("widgets", None)
    (work / "01_quickstart.ipynb").write_text(json.dumps(quickstart, indent=1))
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(chromium_and_playwright, ARTIFACTS / "quickstart-failure.png") as page:
        jupyter_lab.open_and_run_all(page, "/lab/workspaces/quickstart/tree/01_quickstart.ipynb")
        output_text_contains(page, "state='closed'", 120_000)  # the last cell ran
        # the live widget (not the static snapshot beside it), scrolled into view: JupyterLab
        # does not lay out cells far outside the window, and inner_text reads the laid-out text
        dashboard = page.locator(".jp-OutputArea-output:has(.widget-box):has-text('DataFrame tail')").first
        output_text_contains(page, "VideoDB events · closed", 30_000)  # not "live"
        dashboard.scroll_into_view_if_needed()
        page.wait_for_function("el => el.innerText.includes('DataFrame tail')",
                               arg=dashboard.element_handle(), timeout=30_000)  # laid out
        text = dashboard.inner_text()
        assert "exported" in text and ALERT_TEXT in text and TRANSCRIPT_TEXT in text
        # No NEW badge outlives its age, whether or not another frame came
        page.wait_for_function(NO_VISIBLE_NEW_BADGE, timeout=(NEW_FOR_S + 10) * 1000)
        errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, errors.all_inner_texts()
        page.screenshot(path=str(ARTIFACTS / "quickstart.png"), full_page=True)
        page.keyboard.press("Control+s")  # saved as JupyterLab saves it (no widget state)
        page.wait_for_function("!document.title.startsWith('●')", timeout=30_000)
        saved = work / "01_quickstart.ipynb"
        deadline = time.monotonic() + 30  # on disk once the server has written it
        while "state='closed'" not in saved.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    html = export_html(work / "01_quickstart.ipynb", tmp_path)
    with browser_page(chromium_and_playwright, ARTIFACTS / "export-failure.png",
                      javascript=False) as page:
        page.goto(html.as_uri())
        body = page.inner_text("body")
        assert "static snapshot (closed" in body  # the dashboard's last state, no script
        assert "exported" in body and ALERT_TEXT in body and TRANSCRIPT_TEXT in body
        page.screenshot(path=str(ARTIFACTS / "quickstart-export.png"), full_page=True)
    jupyter_lab.shutdown_kernels()


NEW_FOR_S = 10
#: True when no element reading NEW is visible (hidden by its CSS expiry, or redrawn away).
NO_VISIBLE_NEW_BADGE = """() => [...document.querySelectorAll('.jp-OutputArea-output span')]
    .filter(s => s.textContent === 'NEW')
    .every(s => getComputedStyle(s).visibility === 'hidden' || s.offsetParent === null)"""


def export_html(path: Path, folder: Path) -> Path:
    """`jupyter nbconvert --to html` of the saved notebook."""
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                    "--output-dir", str(folder), str(path)], check=True, capture_output=True)
    return folder / (path.stem + ".html")


#: A store fed by a thread: "tick N" lines, and a "card N" line every fifth, ten a second.
KEYBOARD_CELLS = [
    "import threading, time\n"
    "import vdb_notebook as vn\n"
    "store = vn.EventStore()\n"
    "stop = threading.Event()\n"
    "def produce():\n"
    "    n = 0\n"
    "    while not stop.is_set() and n < 3000:\n"
    "        text = f'card {n}' if n % 5 == 0 else f'tick {n}'\n"
    "        store.add({'channel': 'transcript', 'rtstream_name': 'mic:default',\n"
    "                   'data': {'text': text, 'is_final': True, 'start': 1768912496000 + n * 100}})\n"
    "        n += 1\n"
    "        time.sleep(0.1)\n"
    "threading.Thread(target=produce, daemon=True).start()",
    "dash = vn.Dashboard(store, max_rate_hz=4, tail=10, title='Keyboard check', grid=True)\ndash",
]

#: The text of the dashboard's pane titled `title` (arg: [dashboard root, title]).
PANE_TEXT = """([root, title]) => {
    const pane = [...root.querySelectorAll('div')].find(d => d.textContent.startsWith(title)
        && d.style.borderRadius);
    return pane ? pane.textContent : '';
}"""


def test_keyboard_reaches_pause_and_filter_and_the_panes_follow(chromium_and_playwright, jupyter_lab):
    """Tab from the dashboard's title to the Pause button (Space pauses: the transcript stops
    while the counters go on; Space again resumes), Tab on to the grid's Next page (Enter
    turns the page), then back to the filter, type, Enter: the transcript and the grid show
    only matching lines. The controls are found by their accessible names. In the session's
    JupyterLab (tests/conftest.py), in a workspace of its own."""
    book = notebook()
    book["cells"] = [{"cell_type": "code", "id": f"cell-{n}", "metadata": {}, "execution_count": None,
                      "outputs": [], "source": source} for n, source in enumerate(KEYBOARD_CELLS)]
    (jupyter_lab.root / "keyboard.ipynb").write_text(json.dumps(book, indent=1))
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with browser_page(chromium_and_playwright, ARTIFACTS / "keyboard-failure.png") as page:
            jupyter_lab.open_and_run_all(page, "/lab/workspaces/keyboard/tree/keyboard.ipynb")
            output_text_contains(page, "tick 3", 90_000)
            root = page.locator(".jp-OutputArea-output:has-text('Keyboard check')").first
            pause = root.get_by_role("button", name="Pause", exact=True)
            the_filter = root.get_by_label("Filter", exact=True)
            assert pause.count() == 1 and the_filter.count() == 1  # labelled for a screen reader
            root.locator("[role=heading]").click()  # where sequential focus starts
            tab_to(page, root.get_by_role("button", name="Pause", exact=True))
            page.keyboard.press("Space")
            root.get_by_role("button", name="Resume", exact=True).wait_for(timeout=10_000)
            frozen = pane_text(root, "Transcript")
            total = counter(root)
            page.wait_for_function(COUNTER_ABOVE, arg=total + 10, timeout=30_000)  # counters go on
            assert pane_text(root, "Transcript") == frozen  # the transcript does not
            page.keyboard.press("Space")
            pause.wait_for(timeout=10_000)
            newest = counter(root) - 1
            said = f"card {newest}" if newest % 5 == 0 else f"tick {newest}"
            page.wait_for_function(f"() => ({PANE_TEXT})([document.body, 'Transcript']).includes('{said}')",
                                   timeout=30_000)  # caught up
            tab_to(page, root.get_by_role("button", name="Next page", exact=True))
            page.keyboard.press("Enter")
            page.wait_for_function(f"() => ({PANE_TEXT})([document.body, 'Grid']).includes('page 2/')",
                                   timeout=30_000)
            tab_to(page, the_filter, key="Shift+Tab")
            page.keyboard.type("card")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "() => { const t = [...document.querySelectorAll('.jp-OutputArea-output div')]"
                ".find(d => d.textContent.startsWith('Transcript') && d.style.borderRadius);"
                " return t && !t.textContent.includes('tick') && t.textContent.includes('card'); }",
                timeout=30_000)
            grid = pane_text(root, "Grid")
            assert "card" in grid and "tick" not in grid and "matching" not in grid  # the dashboard's filter
            root.screenshot(path=str(ARTIFACTS / "dashboard-controls.png"))
    finally:
        jupyter_lab.shutdown_kernels()


#: True once the counters' total passes arg.
COUNTER_ABOVE = """min => {
    const cell = [...document.querySelectorAll('.jp-OutputArea-output span')]
        .find(s => s.firstChild && s.firstChild.textContent === 'total');
    return cell && Number(cell.querySelector('b').textContent) > min;
}"""


def counter(root) -> int:
    return int(root.locator("span:has(> span:text-is('total')) > b").first.inner_text())


def pane_text(root, title: str) -> str:
    return root.evaluate(f"root => ({PANE_TEXT})([root, {json.dumps(title)}])")


def tab_to(page, target, most: int = 20, key: str = "Tab") -> None:
    """Press Tab (or `key`) until `target` (a locator by role or label) has the focus."""
    for _ in range(most):
        page.keyboard.press(key)
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


# --- a notebook as it travels: executed by nbconvert, opened from disk (untrusted), light/dark --
RECORDING = ROOT / "notebooks" / "data" / "standup.jsonl"
STATIC_CELLS = [
    "import vdb_notebook as vn\n"
    f"store = vn.replay({str(RECORDING)!r}, progress=False)",
    "dash = vn.Dashboard(store, max_rate_hz=4, tail=5)\ndash",
    "vn.timeline(store)",
    "dash.stop()",
]
#: What inline SVG turns into when a sanitizer strips its elements: the lane labels run on.
RUN_ON = "transcriptaudio_index"
#: Every image that is a drawing (the snapshot's timeline, vn.timeline's), loaded and shown.
DRAWINGS = """() => [...document.querySelectorAll("img[src^='data:image/svg+xml']")]
    .map(i => ({w: i.naturalWidth, shown: i.offsetParent !== null}))"""


def _static_notebook() -> dict:
    nb = notebook()
    nb["cells"] = [{"cell_type": "code", "id": f"cell-{n}", "metadata": {}, "execution_count": None,
                    "outputs": [], "source": source} for n, source in enumerate(STATIC_CELLS)]
    return nb


def _executed_export(folder: Path, theme: str) -> Path:
    """`jupyter nbconvert --execute --to html` (nbclient saves the widget state)."""
    path = folder / "static.ipynb"
    path.write_text(json.dumps(_static_notebook(), indent=1))
    out = folder / f"static-{theme}"
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "html",
                    f"--HTMLExporter.theme={theme}", "--output-dir", str(out), str(path)],
                   check=True, capture_output=True, timeout=300)
    return out / "static.html"


def _label_contrast(picture: bytes) -> float:
    """How far the brightest lane-label pixels stand from the background (0 to 1), in the
    left part of a timeline image where only the labels are drawn."""
    import io

    from PIL import Image
    image = Image.open(io.BytesIO(picture)).convert("L")
    labels = image.crop((0, 30, min(190, image.width), image.height - 30))
    values = sorted(labels.get_flattened_data())
    background = values[len(values) // 2]  # most of the strip is background
    return max(abs(v - background) for v in values) / 255


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_an_executed_notebook_exported_to_html_shows_snapshot_and_timeline_without_javascript(
        theme, tmp_path, chromium_and_playwright):
    html = _executed_export(tmp_path, theme)
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(chromium_and_playwright, ARTIFACTS / f"export-{theme}-failure.png",
                      javascript=False) as page:
        page.goto(html.as_uri())
        body = page.inner_text("body")
        assert "static snapshot (replayed" in body and TRANSCRIPT_TEXT in body
        assert RUN_ON not in body.replace(" ", "").replace("\n", "")
        drawings = page.evaluate(DRAWINGS)
        assert len(drawings) >= 2 and all(d["w"] > 0 and d["shown"] for d in drawings), drawings
        timeline = page.locator("img[src^='data:image/svg+xml']").last  # vn.timeline's own
        timeline.scroll_into_view_if_needed()
        picture = timeline.screenshot(path=str(ARTIFACTS / f"timeline-{theme}.png"))
        assert _label_contrast(picture) > 0.3  # lane labels read on this theme's background
        page.screenshot(path=str(ARTIFACTS / f"export-executed-{theme}.png"), full_page=True)


def test_the_shipped_quickstart_opened_from_disk_shows_its_snapshot_light_and_dark(
        tmp_path, chromium_and_playwright, start_jupyter):
    """01_quickstart.ipynb as a new user opens it: from disk, untrusted (the sanitizer strips
    inline SVG and <style>), not run. The saved snapshot shows its timeline as an image, not a
    run-on line of lane labels, in the light and in the dark theme."""
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("jupyterlab is not installed in this environment (pip install jupyterlab)")
    work = tmp_path / "work"
    work.mkdir()
    (work / "01_quickstart.ipynb").write_bytes((ROOT / "notebooks" / "01_quickstart.ipynb").read_bytes())
    ARTIFACTS.mkdir(exist_ok=True)
    lab = start_jupyter("jupyterlab", work, tmp_path / "jupyter", ARTIFACTS / "untrusted.log")
    try:
        lab.wait_ready()
        with browser_page(chromium_and_playwright, ARTIFACTS / "untrusted-failure.png") as page:
            page.goto(lab.url + "/lab/tree/01_quickstart.ipynb", wait_until="domcontentloaded")
            lab.accept_kernel_dialog(page)
            output_text_contains(page, "static snapshot", 90_000)
            for theme in ("light", "dark"):
                if theme == "dark":
                    page.click(".lm-MenuBar-itemLabel:text-is('Settings')")
                    page.hover(".lm-Menu-itemLabel:text-is('Theme')")
                    page.click(".lm-Menu-itemLabel:text-is('JupyterLab Dark')")
                    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'",
                                           timeout=30_000)
                snapshot = page.locator(".jp-OutputArea-output:has-text('static snapshot')").first
                snapshot.scroll_into_view_if_needed()
                text = snapshot.inner_text().replace(" ", "").replace("\n", "")
                assert RUN_ON not in text and "DataFrametail" in text
                drawings = snapshot.evaluate(
                    "root => [...root.querySelectorAll(\"img[src^='data:image/svg+xml']\")]"
                    ".map(i => i.naturalWidth)")
                assert drawings and all(w > 0 for w in drawings), drawings
                assert snapshot.locator("svg").count() == 0
                snapshot.screenshot(path=str(ARTIFACTS / f"untrusted-snapshot-{theme}.png"))
                image = snapshot.locator("img[src^='data:image/svg+xml']").first
                assert _label_contrast(image.screenshot()) > 0.3
    finally:
        lab.stop()

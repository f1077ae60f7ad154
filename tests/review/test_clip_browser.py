"""vn.clip plays inline in a real JupyterLab and in Notebook 7 (served by the same server), in
headless Chromium, offline: the notebook runs the standup with an alert on the screen, turns the
store's alert rows into clips in one call, and the inline player (bundled hls.js, no network)
plays the synthesised HLS of the card-number moment: the video's currentTime advances and a
frame is drawn (its hls.js comes from the emulator: the output carries no copy). Then a notebook
run in a kernel that has exited, exported to HTML and opened with no server and no network: the
embedded clip plays, and the streamed one says its source is gone instead of a black box. The
screenshots go to test-artifacts/clip.png, clip-notebook7.png and clip-exported.png.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageStat

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CELLS = [
    "import vdb_notebook as vn\n"
    "conn = vn.connect(offline=True, speed='max')\n"
    "feed = await vn.Feed.open(conn)\n"
    "session = conn.create_capture_session(end_user_id='user_abc', callback_url='',\n"
    "                                      ws_connection_id=feed.connection_id)\n"
    "conn.emulator.start_capture(session.id)\n"
    "pipes = vn.start_pipelines(conn, session, feed, alerts={\n"
    "    'sensitive_content': {'prompt': 'A payment card number is shown', 'on': 'video'}})\n"
    "await feed.wait_for(until=conn.emulator.scenario_over(feed), timeout=60)",
    "vn.clip(feed.store.alerts(), before=2, after=2, conn=conn, store=feed.store)",
]


def notebook() -> dict:
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                        "language": "python"}, "language_info": {"name": "python"}},
            "cells": [{"cell_type": "code", "id": f"cell-{n}", "metadata": {}, "execution_count": None,
                       "outputs": [], "source": source} for n, source in enumerate(CELLS)]}


@pytest.mark.parametrize("frontend, path", [("jupyterlab", "lab/workspaces/clip/tree"), ("notebook7", "notebooks")])
def test_a_clip_plays_inline(frontend, path, jupyter_lab, chromium_page) -> None:
    name = f"clip-{frontend}.ipynb"
    (jupyter_lab.root / name).write_text(json.dumps(notebook()))
    page = chromium_page
    try:
        jupyter_lab.open_and_run_all(page, f"/{path}/{name}")
        try:
            video = page.wait_for_selector(".jp-OutputArea-output video[data-vdb-src]", timeout=90_000)
        except Exception as no_video:
            raise AssertionError(f"no player; the cells' outputs: {jupyter_lab.outputs(page)}") from no_video
        assert "/media/rtstream/" in video.get_attribute("data-vdb-src")
        video.evaluate("v => v.play()")  # muted: allowed without a click
        page.wait_for_function("v => v.currentTime > 2 && !v.paused", arg=video, timeout=60_000)
        first = video.evaluate("v => v.currentTime")
        page.wait_for_function("([v, first]) => v.currentTime > first", arg=[video, first],
                               timeout=60_000)                        # it keeps playing
        size = video.evaluate("v => [v.videoWidth, v.videoHeight]")
        assert size == [640, 360]
        # a real frame on screen: the slide's text makes the picture far from uniform
        picture = Image.open(io.BytesIO(video.screenshot())).convert("L")
        assert ImageStat.Stat(picture).stddev[0] > 10
        output = page.locator(".jp-OutputArea-output:has(video)").first
        assert "Support ticket ESC-1193" in output.inner_text()        # the screen beside the player
        ARTIFACTS.mkdir(exist_ok=True)
        output.screenshot(path=str(ARTIFACTS / ("clip.png" if frontend == "jupyterlab" else f"clip-{frontend}.png")))
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"clip-{frontend}-failure.png"))
        raise
    finally:
        jupyter_lab.shutdown_kernels()  # the session's server: end what this notebook started


EXPORT_CELLS = [
    "import vdb_notebook as vn\n"
    "conn = vn.connect(offline=True, speed='max')\n"
    "session = conn.create_capture_session(end_user_id='user_abc', callback_url='')\n"
    "conn.emulator.start_capture(session.id)\n"
    "screen = next(r for r in conn.get_capture_session(session.id).rtstreams if r.name == 'display:1')",
    "vn.clip((screen, 1768912594, 1768912604), conn=conn, embed=True)",
    "vn.clip((screen, 1768912594, 1768912604), conn=conn)",
]


def exported_html(tmp_path: Path) -> Path:
    """The notebook run in a real kernel (which then exits, its emulator with it), exported to
    one HTML file as `jupyter nbconvert --to html` makes it."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict({**notebook(), "cells": [
        {"cell_type": "code", "id": f"cell-{n}", "metadata": {}, "execution_count": None,
         "outputs": [], "source": source} for n, source in enumerate(EXPORT_CELLS)]})
    NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    body, _ = HTMLExporter().from_notebook_node(nb)
    path = tmp_path / "clips.html"
    path.write_text(body, encoding="utf-8")
    return path


def test_an_exported_notebook_plays_its_embedded_clip_and_says_the_streamed_one_is_gone(tmp_path, chromium_page):
    page = chromium_page
    path = exported_html(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert text.count("data:video/mp4;base64,") == 1 and 'class="vdb-hls"' not in text
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(("file:", "data:"))
               else route.continue_())                                   # no server, no network
    page.goto(path.as_uri(), wait_until="load")
    try:
        video = page.wait_for_selector("video[src^='data:video/mp4']", timeout=30_000)
        video.evaluate("v => v.play()")
        page.wait_for_function("v => v.currentTime > 2 && !v.paused", arg=video, timeout=60_000)
        assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [640, 360]
        gone = page.wait_for_selector(".vdb-gone", state="visible", timeout=30_000)
        assert "does not answer" in gone.inner_text() and "embed=True" in gone.inner_text()
        assert not page.locator("video[data-vdb-src]").first.is_visible()   # no black 0:00 box
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "clip-exported.png"), full_page=True)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "clip-exported-failure.png"), full_page=True)
        raise

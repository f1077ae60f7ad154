"""Pictures of moments: the Dashboard's visual pane shows a thumbnail of the frame each
visual-index event describes (offline, drawn by the emulator; none where the source gives none),
and the frame a picture URL names is a JPEG of that moment."""
from __future__ import annotations

import io
import re

import pytest
import requests
from PIL import Image

import vdb_notebook as vn
from vdb_notebook.review.pictures import frame_finder, given_picture
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.index import IndexPane
from vdb_notebook.widgets.testing import await_until, counting_comms


@pytest.fixture
def log():
    with counting_comms() as comm_log:
        yield comm_log


async def test_the_visual_pane_shows_the_frame_each_event_describes(log, tmp_path):
    from vdb_notebook.emulator.media import configure
    configure(tmp_path / "media", max_bytes=64 * 1024 * 1024)
    try:
        with vn.Emulator(scenario="standup", speed="max") as emu:
            conn = vn.connect(emulator=emu)
            feed = await vn.Feed.open(conn)
            session = conn.create_capture_session(end_user_id="user_abc", collection_id="default",
                                                  callback_url="", ws_connection_id=feed.connection_id)
            dash = Dashboard(feed, max_rate_hz=10)
            emu.start_capture(session.id)
            vn.start_pipelines(conn, session, feed)
            await feed.wait_for(until=lambda store: len(store.scenes()) >= 3, timeout=60)
            await await_until(lambda: dash.panes["visual"].value.count("<img") >= 3, timeout=60)
            html = dash.panes["visual"].value
            urls = re.findall(r"<img src='([^']+)'", html)
            pictures = [requests.get(url.replace("&amp;", "&"), timeout=30) for url in urls[:2]]
            await feed.close()
            dash.close()
    finally:
        configure()
    assert all("/media/frame/" in url and url.endswith("?width=160") for url in urls)
    assert all(p.status_code == 200 and p.headers["Content-Type"] == "image/jpeg" for p in pictures)
    assert Image.open(io.BytesIO(pictures[0].content)).size == (160, 90)
    assert pictures[0].content != pictures[1].content             # two scenes, two pictures


def test_a_pane_without_a_source_of_pictures_shows_none(log) -> None:
    pane = IndexPane("visual")
    store = vn.EventStore()
    event = store.add({"channel": "visual_index", "rtstream_id": "rts-1", "rtstream_name": "display:1",
                       "data": {"text": "Slack", "start": 1768912590000, "end": 1768912596000}})
    pane.record(event)
    assert "<img" not in pane.render(pane.snapshot(), 0)


def test_online_a_picture_comes_only_from_the_event() -> None:
    online = frame_finder(object())    # a connection without an emulator
    store = vn.EventStore()
    plain = store.add({"channel": "visual_index", "rtstream_id": "rts-1",
                       "data": {"text": "Slack", "start": 1768912590000, "end": 1768912596000}})
    given = store.add({"channel": "visual_index", "rtstream_id": "rts-1",
                       "data": {"text": "Slack", "start": 1768912590000, "end": 1768912596000,
                                "thumbnail_url": "https://cdn.example/f.jpg"}})
    assert online(plain) is None and online(given) == "https://cdn.example/f.jpg"
    assert given_picture({"data": {"frame_url": "javascript:alert(1)"}}) is None

"""Several windows as one stream: `video.generate_stream(timeline=[...])` through the real SDK,
and windows of several rtstreams (what a compiled search result plays), answer one HLS playlist
that PyAV decodes end to end, the windows in order."""
from __future__ import annotations

import itertools
from collections.abc import Callable

import av
import pytest
import requests
from videodb.exceptions import InvalidRequestError
from videodb.video import Video

from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.media import stream_urls
from vdb_notebook.emulator.media.service import MediaService
from vdb_notebook.emulator.media.synth import FPS
from vdb_notebook.emulator.scenario import ORIGIN_MS


def decoded(url: str) -> list[float]:
    """The video frames' times PyAV decodes from the playlist at `url` (over HTTP)."""
    with av.open(url, options={"http_persistent": "0"}) as container:
        return [frame.time for frame in container.decode(video=0)]


def listed(text: str) -> list[float]:
    return [float(line[8:].rstrip(",")) for line in text.splitlines() if line.startswith("#EXTINF:")]


def test_a_video_timeline_of_two_windows_is_one_playlist_pyav_decodes(
        media: MediaService, exported_video: Callable[[Emulator], Video]) -> None:
    with Emulator(speed="max", seed=0) as emu:
        video = exported_video(emu)
        url = video.generate_stream(timeline=[(10, 25), (45, 60)])
        text = requests.get(url, timeout=30).text
        times = decoded(url)
    assert "/media/timeline/" in url and text.count("#EXT-X-DISCONTINUITY") == 1
    assert sum(listed(text)) == pytest.approx(30.0)
    assert len(times) == pytest.approx(30 * FPS, abs=2)        # both windows, every frame
    restart = [n for n, (a, b) in enumerate(itertools.pairwise(times)) if b < a]
    assert len(restart) == 1 and restart[0] == pytest.approx(15 * FPS, abs=2)   # 15 s, then the second


def test_a_single_window_timeline_is_the_plain_window_url(
        media: MediaService, exported_video: Callable[[Emulator], Video]) -> None:
    with Emulator(speed="max", seed=0) as emu:
        video = exported_video(emu)
        url = video.generate_stream(timeline=[(10, 25)])
    assert "/media/rtstream/" in url and url.endswith(".m3u8")


@pytest.mark.parametrize("timeline, message", [
    ([(10, 25), (45, 10_000)], "must lie within the video"),
    ([(25, 10)], "must lie within the video"),
    ([(10, "x")], "pair of numbers"),
    ([(0, 1)] * 201, "1 to 200"),
])
def test_bad_timelines_say_what_to_fix(media: MediaService, timeline: object, message: str,
                                      exported_video: Callable[[Emulator], Video]) -> None:
    with Emulator(speed="max", seed=0) as emu:
        video = exported_video(emu)
        with pytest.raises(InvalidRequestError, match=message):
            video.generate_stream(timeline=timeline)


def test_windows_of_several_rtstreams_play_in_order(media: MediaService) -> None:
    with Emulator(speed="max", seed=0) as emu:
        conn = emu.connect()
        session = conn.create_capture_session(end_user_id="user_abc")
        emu.start_capture(session.id)
        ids = {r.name: r.id for r in conn.get_capture_session(session.id).rtstreams}
        t0 = ORIGIN_MS / 1000
        windows = [(ids["display:1"], t0 + 94, t0 + 98), (ids["mic:default"], t0 + 0, t0 + 2),
                   (ids["display:1"], t0 + 10, t0 + 12)]
        url = stream_urls(emu.base_url, windows)["stream_url"]
        text = requests.get(url, timeout=30).text
        times = decoded(url)
        unknown = requests.get(url.replace(ids["mic:default"], "rts-nope"), timeout=30)
    assert url.count(ids["display:1"]) == 2 and text.count("#EXT-X-DISCONTINUITY") == 2
    assert len(times) == pytest.approx(8 * FPS, abs=3)
    assert unknown.status_code == 404 and "rts-nope" in unknown.json()["message"]

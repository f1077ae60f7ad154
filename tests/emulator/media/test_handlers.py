"""Media over HTTP from a running emulator: a window's playlist and segments are real HLS that
PyAV decodes, as long as the window; the same seed gives the same bytes; bad requests say why."""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import av
import pytest
import requests
from videodb.video import Video

from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.media import configure
from vdb_notebook.emulator.media.hls import SEGMENT_S
from vdb_notebook.emulator.media.service import MediaService
from vdb_notebook.emulator.scenario import ORIGIN_MS
from vdb_notebook.schema.media import stream_url


def started(emulator: Emulator) -> dict[str, str]:
    conn = emulator.connect()
    session = conn.create_capture_session(end_user_id="user_abc")
    emulator.start_capture(session.id)
    return {r.name: r.id for r in conn.get_capture_session(session.id).rtstreams}


def fetch_window(base: str, rid: str, start_s: float, end_s: float) -> tuple[str, list[bytes]]:
    """The playlist and segments of a window given in scenario seconds."""
    return fetch(stream_url(base, rid, ORIGIN_MS / 1000 + start_s, ORIGIN_MS / 1000 + end_s))


def fetch(url: str) -> tuple[str, list[bytes]]:
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"     # a notebook page may play it
    folder = url.rsplit("/", 1)[0]
    segments = []
    for line in answer.text.splitlines():
        if line and not line.startswith("#"):
            part = requests.get(f"{folder}/{line}", timeout=30)
            assert part.status_code == 200 and part.headers["Content-Type"] == "video/mp2t"
            segments.append(part.content)
    return answer.text, segments


def decoded_seconds(segments: list[bytes]) -> tuple[float, float]:
    """(video, audio) seconds decoded from all segments, each stream's frames end to end."""
    video = audio = 0.0
    for data in segments:
        with av.open(io.BytesIO(data), "r") as container:
            frames = list(container.decode(video=0))
            rate = container.streams.video[0].average_rate
            assert rate is not None and frames[0].time is not None and frames[-1].time is not None
            video += frames[-1].time - frames[0].time + 1 / rate
        with av.open(io.BytesIO(data), "r") as container:
            audio += sum(f.samples / f.sample_rate for f in container.decode(audio=0))
    return float(video), audio


@pytest.mark.parametrize("name, start, end", [("display:1", 90.0, 110.0), ("system_audio:default", 93.0, 105.5),
                                              ("mic:default", 0.0, 2.5)])
def test_a_window_is_real_hls_of_its_duration(media: MediaService, name: str, start: float,
                                               end: float) -> None:
    with Emulator(speed="max", seed=0) as emu:
        rid = started(emu)[name]
        text, segments = fetch_window(emu.base_url, rid, start, end)
    listed = sum(float(line[8:].rstrip(",")) for line in text.splitlines() if line.startswith("#EXTINF:"))
    assert listed == pytest.approx(end - start)
    video, audio = decoded_seconds(segments)
    assert abs(video - (end - start)) < SEGMENT_S and abs(audio - (end - start)) < SEGMENT_S
    assert abs(video - (end - start)) < 0.2      # in fact within a couple of frames
    assert media.encoded == len(segments)


def test_same_seed_same_media_bytes_and_a_repeat_comes_from_the_cache(media: MediaService, tmp_path: Path) -> None:
    with Emulator(speed="max", seed=0) as emu:
        _, first = fetch_window(emu.base_url, started(emu)["display:1"], 60.0, 70.0)
    encoded = media.encoded
    fresh = configure(tmp_path / "other", max_bytes=64 * 1024 * 1024)
    with Emulator(speed="max", seed=0) as emu:
        rid = started(emu)["display:1"]
        _, second = fetch_window(emu.base_url, rid, 60.0, 70.0)
        assert second == first and fresh.encoded == encoded        # encoded anew, byte for byte equal
        _, again = fetch_window(emu.base_url, rid, 60.0, 70.0)
    assert again == first and fresh.encoded == encoded            # served from the cache


def test_bad_media_requests_answer_4xx_with_a_reason(media: MediaService) -> None:
    with Emulator(speed="max", seed=0) as emu:
        rid = started(emu)["display:1"]
        base = emu.base_url + "/media/rtstream"
        cases = {
            f"{base}/rts-nope/1768912590000000-1768912600000000.m3u8": (404, "rtstream 'rts-nope' not found"),
            f"{base}/{rid}/soon.m3u8": (400, "is not a window"),
            f"{base}/{rid}/1768912600000000-1768912590000000.m3u8": (400, "before it starts"),
            f"{base}/{rid}/1768912590000000-1768912600000000/7.ts": (404, "it has 3: 0.ts to 2.ts"),
            f"{base}/{rid}/1768912590000000-1768912600000000/x.ts": (404, "not in this window"),
            emu.base_url + "/media/watch?v=javascript:alert(1)": (400, "v must be the stream URL"),
        }
        for url, (status, message) in cases.items():
            answer = requests.get(url, timeout=10)
            assert answer.status_code == status and message in answer.json()["message"], url


def test_player_page_and_its_script_are_served(media: MediaService) -> None:
    with Emulator(speed="max", seed=0) as emu:
        rid = started(emu)["display:1"]
        stream = stream_url(emu.base_url, rid, 1768912590, 1768912600)
        page = requests.get(emu.base_url + "/media/watch", params={"v": stream}, timeout=10)
        embed = requests.get(emu.base_url + "/media/embed", params={"v": stream}, timeout=10)
        script = requests.get(emu.base_url + "/media/hls.light.min.js", timeout=10)
    assert page.status_code == 200 and "<video" in page.text and f'"{stream}"' in page.text
    assert embed.text == page.text
    assert script.status_code == 200 and b"Hls" in script.content


def test_the_exported_video_and_its_windows_play(media: MediaService,
        exported_video: Callable[[Emulator], Video]) -> None:
    with Emulator(speed="max", seed=0) as emu:
        video = exported_video(emu)
        whole = requests.get(video.stream_url, timeout=30)
        listed = sum(float(line[8:].rstrip(",")) for line in whole.text.splitlines() if line.startswith("#EXTINF:"))
        assert listed == pytest.approx(emu.scenario.duration_s)       # the whole recording, lazily encoded
        _, segments = fetch(video.generate_stream(timeline=[(90, 104)]))
    video_s, _ = decoded_seconds(segments)
    assert video_s == pytest.approx(14.0, abs=0.2) and media.encoded == len(segments)



def test_under_the_wall_clock_a_window_shows_what_happened_then(media: MediaService) -> None:
    """The stream's timeline starts when its capture started, not at the scenario epoch."""
    import time

    from vdb_notebook.emulator.media import handlers

    with Emulator(speed="max", seed=0, clock="wall") as emu:
        rid = started(emu)["display:1"]
        origin_s = emu._call(lambda e: e.state.rtstream(rid).origin_s)
        assert abs(origin_s - time.time()) < 600                 # anchored now, not in January 2026
        url = stream_url(emu.base_url, rid, origin_s + 95, origin_s + 99)
        window = url.rsplit("/", 1)[1].removesuffix(".m3u8")
        plan = emu._call(lambda e: handlers.plan_of(e, rid, window))
        assert plan.count == 1
        segment = plan.segment(0)
        assert "Support ticket ESC-1193" in segment.slides[0][2] and segment.start == pytest.approx(95)
        assert requests.get(url, timeout=10).status_code == 200


def test_on_a_full_disk_segments_that_encoded_fine_are_still_served(tmp_path: Path) -> None:
    import errno

    from vdb_notebook.emulator.media.cache import MediaCache

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    media = configure(cache=MediaCache(tmp_path / "full", max_bytes=10**8, write=full_disk))
    try:
        with Emulator(speed="max", seed=0) as emu:
            _, segments = fetch_window(emu.base_url, started(emu)["display:1"], 90.0, 102.0)
    finally:
        configure()
    assert len(segments) == 3 and all(s[:1] == b"G" for s in segments)
    assert media.cache.failed_writes == 3 and not list((tmp_path / "full").iterdir())

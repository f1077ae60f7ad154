"""vn.clip end to end through the real SDK against the emulator: search shots, rows and tuples
become clips whose stream URL serves real HLS of the window; search ranks the moment first."""
from __future__ import annotations

import io

import av
import pandas as pd
import pytest
import requests

import vdb_notebook as vn
from vdb_notebook.emulator.media import configure
from vdb_notebook.emulator.media.hls import SEGMENT_S
from vdb_notebook.review import Clips
from vdb_notebook.widgets.testing import wait_until


@pytest.fixture
def offline(tmp_path, emu, active_session):
    """conftest's emulator with an active standup session, its media cached in tmp_path; its
    rtstreams by channel."""
    configure(tmp_path / "media", max_bytes=64 * 1024 * 1024)
    conn = vn.connect(emulator=emu)
    session, _ = active_session(conn, emu)
    yield conn, {name: session.get_rtstream(name)[0] for name in ("mic", "system_audio", "screen")}
    configure()


def scenes_indexed(index, at_least: int = 15) -> None:
    """Wait until the index has described `at_least` scenes (a guard against hanging)."""
    wait_until(lambda: len(index.get_scenes(page_size=100)["scenes"]) >= at_least, timeout=20)


def decoded_seconds(stream_url: str) -> float:
    playlist = requests.get(stream_url, timeout=30)
    assert playlist.status_code == 200, playlist.text
    folder, total = stream_url.rsplit("/", 1)[0], 0.0
    for line in playlist.text.splitlines():
        if line and not line.startswith("#"):
            with av.open(io.BytesIO(requests.get(f"{folder}/{line}", timeout=30).content)) as container:
                frames = list(container.decode(video=0))
                total += frames[-1].time - frames[0].time + 1 / container.streams.video[0].average_rate
    return total


@pytest.mark.parametrize("query, expected", [
    ("card number in a support ticket", "card number"),
    ("Jira board sprint", "Jira board"),
    ("feature flags config file", "flags.yaml"),
    ("launch slides latency chart", "latency chart"),
])
def test_search_ranks_the_matching_moment_first_and_its_shot_plays(offline, query, expected) -> None:
    conn, streams = offline
    screen = streams["screen"]
    index = screen.index_visuals(prompt="Describe the screen")
    scenes_indexed(index)
    shots = screen.search(query).get_shots()
    assert shots and expected in shots[0].text, [s.text for s in shots[:3]]
    assert [s.search_score for s in shots] == sorted((s.search_score for s in shots), reverse=True)
    found = conn.get_collection().search(query, namespace="rtstream").get_shots()
    assert expected in found[0].text
    best = shots[0]
    assert decoded_seconds(best.generate_stream()) == pytest.approx(int(best.end) - int(best.start), abs=SEGMENT_S)


def test_a_shot_becomes_a_clip_that_plays_its_window_with_margins(offline) -> None:
    _conn, streams = offline
    screen = streams["screen"]
    index = screen.index_visuals(prompt="Describe the screen")
    scenes_indexed(index)
    shot = screen.search("support ticket card number").get_shots()[0]
    clip = vn.clip(shot, before=2, after=3)
    assert (clip.window.start, clip.window.end) == (int(shot.start) - 2, -(-shot.end // 1) + 3)
    assert clip.stream_url and "/media/rtstream/" in clip.stream_url and clip.error is None
    assert decoded_seconds(clip.stream_url) == pytest.approx(clip.window.duration, abs=0.2)
    assert "<video data-vdb-src" in clip._repr_html_()


def test_a_tuple_clip_shows_what_the_service_transcribed(offline) -> None:
    conn, streams = offline
    mic = streams["mic"]
    mic.start_transcript()
    wait_until(lambda: len(mic.get_transcript(page_size=100)["transcription_records"]) >= 3, timeout=20)
    segments = mic.get_transcript(page_size=100)["transcription_records"]
    first = segments[0]
    clip = vn.clip((mic, first["start"], first["end"]), conn=conn)
    assert first["text"] in repr(clip) and clip.stream_url
    again = vn.clip((mic, first["start"], first["end"]), conn=conn)
    assert repr(again) == repr(clip) and "127.0.0.1" not in repr(clip)


def test_without_a_store_the_screen_comes_from_the_scene_index(offline) -> None:
    conn, streams = offline
    screen = streams["screen"]
    index = screen.index_visuals(prompt="Describe the screen")
    scenes_indexed(index)
    clip = vn.clip((screen, 1768912594, 1768912600), conn=conn)   # 01:34-01:40 after the standup began
    assert "Support ticket ESC-1193" in repr(clip) and "shown: nothing" not in repr(clip)


def test_rows_of_a_store_become_clips_in_one_call(offline) -> None:
    conn, streams = offline
    audio = streams["system_audio"]
    t0 = pd.Timestamp(1768912595, unit="s", tz="UTC")
    rows = pd.DataFrame({"rtstream_id": [audio.id, streams["screen"].id],
                         "rtstream_name": ["system_audio:default", "display:1"], "label": ["pii", "pii"],
                         "start": [t0, t0], "end": [t0 + pd.Timedelta("7s")] * 2})
    clips = vn.clip(rows, before="1s", conn=conn)
    assert isinstance(clips, Clips) and len(clips) == 2 and all(c.stream_url for c in clips)
    page = clips._repr_html_()
    assert page.count("<video data-vdb-src=") == 2 and 'class="vdb-hls"' not in page  # offline: no copy
    assert page.count('poster="data:image/jpeg;base64,') == 2                          # the first frames


def test_an_embedded_clip_carries_its_video_as_mp4(offline) -> None:
    import base64
    import io

    import av

    conn, streams = offline
    window = (streams["screen"], 1768912594, 1768912602)
    clip = vn.clip(window, conn=conn, embed=True)
    again = vn.clip(window, conn=conn, embed=True)
    assert clip.video.startswith("data:video/mp4;base64,") and again.video == clip.video   # nbval-stable
    with av.open(io.BytesIO(base64.b64decode(clip.video.split(",", 1)[1]))) as mp4:
        times = [frame.time for frame in mp4.decode(video=0)]
    assert len(times) == 80 and times[0] < 0.1 and times[-1] == pytest.approx(7.9, abs=0.1)
    page = clip._repr_html_()
    assert f'<video src="{clip.video}"' in page and "<script" not in page and "embedded" in repr(clip)


def test_the_notebook_wide_setting_embeds_and_a_clip_over_the_limit_stays_streamed(offline, monkeypatch) -> None:
    conn, streams = offline
    monkeypatch.setattr(vn.clip_options, "embed", True)
    assert vn.clip((streams["screen"], 1768912594, 1768912598), conn=conn).video
    assert vn.clip((streams["screen"], 1768912594, 1768912598), conn=conn, embed=False).video is None
    monkeypatch.setattr(vn.clip_options, "embed_max_bytes", 10_000)
    big = vn.clip((streams["screen"], 1768912594, 1768912610), conn=conn)
    assert big.video is None and big.stream_url and "not embedded: the clip passes 10 KiB as MP4" in big.note
    assert "vn.clip_options.embed_max_bytes" in repr(big)


def test_a_missing_rtstream_shows_why_there_is_no_stream(offline) -> None:
    conn, _ = offline
    clip = vn.clip(("rts-nope", 1768912595, 1768912600), conn=conn)
    assert clip.stream_url is None and "rts-nope" in clip.error and "no stream" in repr(clip)
    assert "transcript unavailable" in repr(clip)


def test_without_a_connection_the_error_says_what_to_pass(monkeypatch) -> None:
    import weakref

    # other tests' connections may still be referenced: this test is about none being open
    monkeypatch.setattr("vdb_notebook.connection._live", weakref.WeakSet())
    with pytest.raises(ValueError, match="pass conn=conn"):
        vn.clip(("rts-1", 1768912595, 1768912600))


def test_a_row_of_a_store_view_finds_its_rtstream_in_the_store(offline) -> None:
    conn, streams = offline
    store = vn.EventStore()
    alert = {"channel": "alert", "rtstream_id": streams["system_audio"].id,
             "rtstream_name": "system_audio:default",
             "data": {"label": "pii", "triggered": True, "confidence": 0.8, "text": "card read out",
                      "start": 1768912595000, "end": 1768912602000}}
    store.add(alert)
    row = store.alerts().iloc[0]                      # reader columns: start, end, stream, ...
    assert "rtstream_id" not in row.index
    clip = vn.clip(row, conn=conn)                    # the row knows its store
    assert clip.window.rtstream_id == streams["system_audio"].id and clip.stream_url
    assert clip.said.empty and len(vn.clip(store.alerts(), conn=conn)) == 1
    bare = pd.Series(row.to_dict(), name=row.name)    # rebuilt by hand: no attrs, but its seq
    assert vn.clip(bare, conn=conn).window.rtstream_id == streams["system_audio"].id
    twin = vn.EventStore()
    twin.add(alert)
    _ = twin.alerts()                                  # a second live store with that event
    with pytest.raises(ValueError, match=r"2 stores hold an event #0 .* pass store="):
        vn.clip(bare, conn=conn)
    assert vn.alert_context(row).empty                 # the row alone finds its store
    with pytest.raises(ValueError, match="no event of the given store"):
        vn.clip(bare, conn=conn, store=vn.EventStore())


def test_a_row_finds_the_connection_feeding_its_store_and_ambiguity_is_named(offline) -> None:
    from vdb_notebook.review.targets import conn_for
    first, second = offline[0], vn.connect(emulator=offline[0].emulator)
    store = vn.EventStore()
    with pytest.raises(ValueError, match=r"connections are open .*; pass conn="):
        conn_for(None, None, store)
    feed = vn.Feed.open_sync(second, store)
    try:
        assert conn_for(None, None, store) is second and conn_for(first, None, store) is first
    finally:
        feed.close_sync()

"""What each segment of a window shows and says, from the scenario."""
from __future__ import annotations

from vdb_notebook.emulator.media.plan import window_segments
from vdb_notebook.emulator.media.synth import Segment
from vdb_notebook.emulator.scenario import ORIGIN_MS, Scenario

STANDUP = Scenario.load("standup")


def segments(track: str, media: str, start: float, end: float, audio_track: str | None = None) -> list[Segment]:
    return window_segments(STANDUP, "name", track, media, ORIGIN_MS + start * 1000, ORIGIN_MS + end * 1000,
                           ORIGIN_MS, audio_track)


def test_the_screen_shows_its_descriptions_and_captions_everyone() -> None:
    (seg,) = segments("display", "video", 100.0, 104.0)
    assert [text[:23] for _, _, text in seg.slides] == ["Support ticket ESC-1193"]
    assert {speaker for *_, speaker in seg.lines} == {"mic", "system_audio"}  # Maya and Sofia at 1:42
    assert not seg.spoken_slides


def test_a_stream_with_its_own_sound_captions_only_that() -> None:
    (seg,) = segments("display", "video", 100.0, 104.0, audio_track="system_audio")
    assert {speaker for *_, speaker in seg.lines} == {"system_audio"}


def test_an_audio_stream_shows_what_is_said_on_it() -> None:
    (seg,) = segments("mic", "audio", 100.0, 104.0)
    assert seg.spoken_slides and seg.slides == () and {s for *_, s in seg.lines} == {"mic"}


def test_segments_tile_the_window_and_silence_is_empty() -> None:
    segs = segments("display", "video", 290.0, 300.5)                    # after the scenario's end
    assert [(s.offset, s.duration) for s in segs] == [(0.0, 4.0), (4.0, 4.0), (8.0, 2.5)]
    assert all(s.slides == () and s.lines == () for s in segs)


def test_a_camera_stream_shows_only_its_own_track() -> None:
    cctv = Scenario.load("cctv")  # two cameras, both with visual cues at 4:00
    (seg,) = window_segments(cctv, "entrance", "entrance", "video", ORIGIN_MS + 240_000,
                             ORIGIN_MS + 244_000, ORIGIN_MS)
    assert [text[:15] for *_, text in seg.slides] == ["Entrance camera"]

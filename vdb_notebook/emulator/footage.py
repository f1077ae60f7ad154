"""What an exported video holds: the lines said and the scenes shown in its window, from the
worlds its rtstreams play, in seconds into the video (as VideoDB's video calls answer).

    >>> from vdb_notebook.emulator.models import Ids, RtStream, Video
    >>> from vdb_notebook.emulator.scenario import Scenario
    >>> world = Scenario.load("standup")
    >>> mic = RtStream("rts-1", "cap-1", "default", "mic", "mic:default", ["audio"], "mic", world)
    >>> video = Video("m-1", "default", "Capture", "rts-2", mic.origin_s + 95, mic.origin_s + 105, ["rts-1"])
    >>> [(line["start"], line["text"][:20]) for line in lines(video, [mic])]
    [(7.5, 'Sofia, stop there, p')]
"""
from __future__ import annotations

from . import moments
from .models import RtStream, SceneRecord, TranscriptRecord, Video


def _played(video: Video, rts: RtStream, track: str, kind: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of what `track` of `rts`'s world holds in the video's window, video
    seconds, clipped to the video."""
    offset = video.start_s - rts.origin_s  # the video's time 0 in the stream's scenario time
    found = moments.window(rts.world, track, kind, offset, offset + video.length)
    return [(round(max(0.0, m.start - offset), 3), round(min(video.length, m.end - offset), 3), m.text)
            for m in found]


def lines(video: Video, audio: list[RtStream]) -> list[TranscriptRecord]:
    """What was said on the video's audio streams: {start, end, text} per line, in order."""
    said = [line for rts in audio for line in _played(video, rts, rts.track_for("transcript"), moments.SPOKEN)]
    return [TranscriptRecord(start=s, end=e, text=t) for s, e, t in sorted(said)]


def scenes(video: Video, screen: RtStream, audio: list[RtStream], kind: str) -> list[SceneRecord]:
    """Scene index records {start, end, description}: what the screen showed (`kind`
    "visual_index") or what the audio streams' audio index says ("audio_index")."""
    if kind == moments.SHOWN:
        found = _played(video, screen, screen.track, kind)
    else:
        found = sorted(x for rts in audio for x in _played(video, rts, rts.track_for(kind), kind))
    return [SceneRecord(start=s, end=e, description=t) for s, e, t in found]


__all__ = ["lines", "scenes"]

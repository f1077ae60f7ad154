"""Exported videos and what a user calls on one next: get, rename, delete, stream (whole or a
timeline), and its transcript (get by word, sentence or time window; generate).

A video is a window of its capture session's screen rtstream; its transcript is what the
session's audio rtstreams said in that window (footage.py), in video-time seconds. As VideoDB's
docs say of get_transcript, it "generates the transcript automatically if not already created".
Indexes, search and compile are in video_index.py and video_search.py.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import footage
from ..engine import Engine
from ..errors import BadRequest
from ..media.streams import stream_urls, timeline_windows
from ..models import TranscriptRecord, Video
from . import Answer, Req, int_param, overlapping, query_value, render

SEGMENTERS = ("word", "sentence", "time")


def find_video(engine: Engine, req: Req) -> Video:
    return engine.state.library.video(req.params["vid"], query_value(req, "collection_id"))


def list_videos(engine: Engine, req: Req) -> Answer:
    cid = query_value(req, "collection_id") or "default"
    engine.state.collection(cid)
    return {"videos": [render.video(req.base, v) for v in engine.state.library.videos.values()
                       if v.collection_id == cid]}


def get_video(engine: Engine, req: Req) -> Answer:
    return render.video(req.base, find_video(engine, req))


def update_video(engine: Engine, req: Req) -> Answer:
    video = find_video(engine, req)
    engine.state.library.rename(video, req.body.get("name"))
    return render.video(req.base, video)


def delete_video(engine: Engine, req: Req) -> Answer:
    engine.state.library.delete(find_video(engine, req))
    return {}


def generate_stream(engine: Engine, req: Req) -> Answer:
    """video.generate_stream(timeline=[(start, end), ...]): the windows in order (video seconds)
    as one playlist; the whole video without a timeline."""
    video = find_video(engine, req)
    pairs = timeline_windows(req.body.get("timeline") or [[0, video.length]], video.length)
    return stream_urls(req.base, [(video.rtstream_id, video.start_s + a, video.start_s + b) for a, b in pairs])


def generate_transcript(engine: Engine, req: Req) -> Answer:
    video = find_video(engine, req)
    video.transcribed = True
    return _transcript(engine, video, None, None, "word", 1)


def get_transcript(engine: Engine, req: Req) -> Answer:
    video = find_video(engine, req)
    video.transcribed = True  # generated on first read, as VideoDB's docs say
    segmenter = query_value(req, "segmenter") or "word"
    if segmenter not in SEGMENTERS:
        raise BadRequest(f"segmenter must be one of {list(SEGMENTERS)}, not {segmenter!r}")
    start, end = _seconds(req, "start"), _seconds(req, "end")
    return _transcript(engine, video, start, end, segmenter, int_param(req, "length", 1))


def _seconds(req: Req, name: str) -> float | None:
    """Query parameter `name` as seconds into the video (None when absent)."""
    raw = query_value(req, name)
    try:
        return None if raw is None else float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be seconds into the video, not {raw!r}") from None


def _transcript(engine: Engine, video: Video, start: float | None, end: float | None,
                segmenter: str, length: int) -> dict[str, Any]:
    """{"word_timestamps": [{start, end, text}], "text"}: what the SDK's Video reads."""
    sentences = overlapping(_sentences(engine, video), start, end)
    if segmenter == "sentence":
        segments = sentences
    else:
        words = [w for s in sentences for w in _words(s)]
        segments = words if segmenter == "word" else _windows(words, length)
    return {"word_timestamps": segments, "text": " ".join(s["text"] for s in sentences)}


def _sentences(engine: Engine, video: Video) -> list[TranscriptRecord]:
    """The lines said on the video's audio streams, in video time, in order."""
    return footage.lines(video, [engine.state.rtstreams[r] for r in video.audio_rtstream_ids])


def _words(sentence: TranscriptRecord) -> Iterator[TranscriptRecord]:
    words = sentence["text"].split()
    step = (sentence["end"] - sentence["start"]) / len(words)
    for i, word in enumerate(words):
        yield TranscriptRecord(start=round(sentence["start"] + i * step, 3),
                               end=round(sentence["start"] + (i + 1) * step, 3), text=word)


def _windows(words: list[TranscriptRecord], length: int) -> list[TranscriptRecord]:
    """Words grouped into windows of `length` seconds (int_param made it >= 1)."""
    windows: dict[int, list[TranscriptRecord]] = {}
    for word in words:
        windows.setdefault(int(word["start"] // length), []).append(word)
    return [TranscriptRecord(start=float(k * length), end=float((k + 1) * length),
                             text=" ".join(w["text"] for w in group)) for k, group in sorted(windows.items())]

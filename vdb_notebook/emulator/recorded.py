"""A real session as a world: a recording made with `vn.Feed.open(conn, record_to=...)` turned
into a scenario, so `Emulator(scenario="session.jsonl")` plays it back through the real SDK.

A recording holds the WebSocket frames one session sent: journal lines
(`{"received_at", "source", "frame"}`, the frame as text or as an object) or bare frames, in the
shapes VideoDB's docs show (transcript, visual_index / scene_index, audio_index, alert with or
without a channel, capture_session). Each rtstream it saw becomes a track: the capture channels
by their category (`mic:default` plays as "mic", `system_audio:default` as "system_audio",
`display:1` as "display"), any other stream (a camera) under its own name, which a connected
rtstream of that name then plays. What it said and showed keeps its texts and its timing,
counted from the moment the session went active (its `capture_session.active` frame, else the
earliest frame). Final transcript lines are kept; interim ones are made again as halves.

What a recording does not hold, and what the emulator does then:
- media: the video and sound are synthesised from the recorded texts, as for any world;
- prompts: its alerts carry a label and a text, not the prompt that raised them. An alert created
  offline with a label the recording has fires on that label's recorded moments, with their
  confidence and text; any other prompt is matched (BM25, matching.py) against what was
  recorded, so an apt prompt still fires and an inapt one stays silent;
- pipelines it never ran: an index the recording never saw (say index_visuals when only the
  transcript was recorded) produces nothing; ids are new (from the seed), lifecycle is re-driven;
- a second capture session in the same recording: the first rtstream of each name is played,
  the others are skipped (record one session per file to play each).

    >>> frames = [{"channel": "capture_session", "event": "capture_session.active",
    ...            "timestamp": "2026-01-20T12:35:00Z", "data": {}},
    ...           {"channel": "transcript", "rtstream_id": "rts-1", "rtstream_name": "mic:default",
    ...            "data": {"text": "Ship it Thursday", "is_final": True,
    ...                     "start": 1768912510000, "end": 1768912512500}}]
    >>> doc = from_frames(frames, name="demo")
    >>> doc["tracks"]["mic"]["transcript"], doc["duration_s"]
    ([{'t': 10.0, 'dur': 2.5, 'text': 'Ship it Thursday'}], 13)
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..schema import CAPTURE_CHANNELS

#: a capture channel's rtstream name -> the track it plays as
CAPTURE_TRACKS = {c.name: c.track for c in CAPTURE_CHANNELS}
KINDS = {"transcript": "transcript", "audio_index": "audio_index",
         "visual_index": "visual_index", "scene_index": "visual_index"}
POINT_S = 1.0  # how long an alert that carries only a timestamp lasts


def scenario_doc(path: Path) -> dict[str, Any]:
    """The scenario document of the recording at `path` (a ValueError saying what is wrong)."""
    frames = list(_frames(path))
    if not frames:
        raise ValueError(f"recording {path} holds no frames; record one with "
                         "vn.Feed.open(conn, record_to=...)")
    return from_frames(frames, name=path.stem, source=str(path))


def from_frames(frames: Iterable[dict[str, Any]], name: str, source: str = "<frames>") -> dict[str, Any]:
    """A scenario document from recorded frames (dicts, in arrival order)."""
    frames = list(frames)
    origin = _origin_ms(frames)
    tracks: dict[str, dict[str, list[dict[str, Any]]]] = {}
    alerts: list[dict[str, Any]] = []
    visual_channel, end_ms = None, origin
    for frame, kind, track, (start, end) in _played(frames):
        data = _data(frame)
        end_ms = max(end_ms, end)
        cue = {"t": max(0.0, (start - origin) / 1000), "dur": max(0.0, (end - start) / 1000),
               "text": str(data.get("text") or data.get("label") or data.get("event_label")
                           or frame.get("event_label") or "")}
        if kind == "alert":
            alerts.append(_alert(frame, data, track, cue))
        elif kind != "transcript" or data.get("is_final", True):  # interims are made again
            visual_channel = visual_channel or (frame.get("channel") if kind == "visual_index" else None)
            cues = tracks.setdefault(track, {}).setdefault(kind, [])
            if cue not in cues:  # a frame recorded twice (a reconnect) plays once
                cues.append(cue)
    return {"name": name, "source": source, "recorded": True,
            "description": f"A recorded session ({len(frames)} frames) played back as a world",
            "duration_s": max(1, math.ceil((end_ms - origin) / 1000)), "default_speed": 30,
            "visual_channel": visual_channel or "scene_index", "tracks": tracks,
            "alerts": _unique(alerts), "live_tracks": _live_tracks(tracks)}


def _played(frames: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str, str, tuple[float, float]]]:
    """(frame, kind, track, window in epoch ms) of each frame to play: of a kind a world holds,
    with a time, on the first rtstream seen under its name."""
    names = _stream_names(frames)
    first_id: dict[str, str] = {}  # rtstream name -> the first rtstream id seen with it
    for frame in frames:
        kind, rid = _kind(frame), str(frame.get("rtstream_id") or "")
        stream = frame.get("rtstream_name") or names.get(rid) or rid or "display:1"
        data = _data(frame)
        window = _window(frame, data)
        if kind is not None and window is not None and first_id.setdefault(stream, rid) == rid:
            yield frame, kind, CAPTURE_TRACKS.get(stream, stream), window


# reading ------------------------------------------------------------------------------------------
def _frames(path: Path) -> Iterator[dict[str, Any]]:
    """Each line's frame (a journal line's `frame`, or the line itself), skipping the feed's own
    records and lines that are not a JSON object."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValueError(f"cannot read recording {path}: {exc}") from None
    for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            frame = item.get("frame", item) if isinstance(item, dict) else None
            frame = json.loads(frame) if isinstance(frame, str) else frame
        except ValueError:
            continue  # a frame that was not JSON when received: nothing to play
        if isinstance(frame, dict) and frame.get("channel") != "feed" and (
                not isinstance(item, dict) or item.get("source", "ws") != "feed"):
            yield frame


def _data(frame: dict[str, Any]) -> dict[str, Any]:
    data = frame.get("data")
    return data if isinstance(data, dict) else {}


def _kind(frame: dict[str, Any]) -> str | None:
    channel = frame.get("channel") or frame.get("type")
    if channel == "alert" or (channel is None and "event_label" in frame):
        return "alert"
    return KINDS.get(channel) if isinstance(channel, str) else None


def _stream_names(frames: list[dict[str, Any]]) -> dict[str, str]:
    """rtstream id -> name, from the frames that name it and the active event's rtstreams."""
    names: dict[str, str] = {}
    for frame in frames:
        data = _data(frame)
        for rts in data.get("rtstreams") or []:
            if isinstance(rts, dict) and rts.get("rtstream_id") and rts.get("name"):
                names.setdefault(str(rts["rtstream_id"]), str(rts["name"]))
        if frame.get("rtstream_id") and frame.get("rtstream_name"):
            names.setdefault(str(frame["rtstream_id"]), str(frame["rtstream_name"]))
    return names


def _epoch_ms(value: Any) -> float | None:
    """Epoch ms from epoch ms, epoch seconds (below 1e11) or an ISO-8601 string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 1e11 else float(value) * 1000
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000
        except ValueError:
            return None
    return None


def _window(frame: dict[str, Any], data: dict[str, Any]) -> tuple[float, float] | None:
    start, end = _epoch_ms(data.get("start")), _epoch_ms(data.get("end"))
    if start is None:  # an alert that carries only when it fired
        start = _epoch_ms(data.get("timestamp") or frame.get("timestamp"))
        end = None if start is None else start + POINT_S * 1000
    if start is None:
        return None
    return start, end if end is not None and end >= start else start + POINT_S * 1000


def _origin_ms(frames: list[dict[str, Any]]) -> float:
    for frame in frames:
        if frame.get("event") == "capture_session.active" or (
                frame.get("channel") == "capture_session" and frame.get("status") == "active"):
            active = _epoch_ms(frame.get("timestamp"))
            if active is not None:
                return active
    starts = [w[0] for f in frames if _kind(f) and (w := _window(f, _data(f)))]
    return min(starts, default=0.0)


def _alert(frame: dict[str, Any], data: dict[str, Any], track: str, cue: dict[str, Any]) -> dict[str, Any]:
    label = data.get("label") or data.get("event_label") or frame.get("event_label") or "alert"
    confidence = data.get("confidence")
    if not isinstance(confidence, (int, float)) or isinstance(confidence, bool):
        confidence = 0.9
    return {"track": track, **cue, "dur": cue["dur"] or POINT_S, "label": str(label),
            "confidence": float(confidence), "recorded": True}


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for i, item in enumerate(items) if item not in items[:i]]


def _live_tracks(tracks: dict[str, Any]) -> list[str]:
    """Tracks a connected rtstream plays: the recorded non-capture video streams (cameras),
    else the screen."""
    cameras = [t for t, kinds in tracks.items() if t not in CAPTURE_TRACKS.values() and kinds.get("visual_index")]
    return cameras or ["display"]


__all__ = ["from_frames", "scenario_doc"]

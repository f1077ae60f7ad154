"""Webhook payload builders: the v2 lifecycle envelope and the alert webhook, deterministic.

The emulator sends exactly what these build, so offline notebooks see the shapes VideoDB sends.

    >>> build("active", capture_session_id="cap-1", rtstreams=default_rtstreams(seed=0))["status"]
    'active'
    >>> [p["event"] for p in lifecycle("cap-1")][-1]
    'capture_session.exported'
"""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from . import (
    CAPTURE_CHANNELS,
    EPOCH,
    LIFECYCLE_EVENTS,
    LIFECYCLE_STATUSES,
    lifecycle_event,
    status_of_event,
)
from .media import player_url as make_player_url
from .media import stream_url as make_stream_url

#: Where VideoDB's own rtstream clips live (the cookbook's saved alert URLs have this form).
VIDEODB_STREAMS = "https://rt.stream.videodb.io"
VIDEODB_PLAYER = "https://console.videodb.io"


def event_name(event: str) -> str:
    """'active' or 'capture_session.active' -> 'capture_session.active'; anything else is an error."""
    name = lifecycle_event(event)
    if name not in LIFECYCLE_EVENTS:
        raise ValueError(
            f"unknown lifecycle event {event!r}; use one of: " + ", ".join(LIFECYCLE_STATUSES))
    return name


def iso(when: datetime | str | int | float) -> str:
    """An ISO-8601 UTC string with a trailing Z, from a datetime, an ISO string or epoch ms."""
    if isinstance(when, str):
        return when
    if isinstance(when, (int, float)):
        when = datetime.fromtimestamp(when / 1000, tz=UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    text = when.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace(".000+00:00", "Z").replace("+00:00", "Z")


def make_id(prefix: str, rng: random.Random) -> str:
    """An id like 'cap-3f9a1c2b7d4e' drawn from `rng`, so the same seed gives the same ids."""
    return f"{prefix}-{rng.getrandbits(48):012x}"


def default_rtstreams(seed: int = 0) -> list[dict[str, Any]]:
    """The three rtstreams of a desktop capture: mic, system audio and the screen."""
    rng = random.Random(f"rtstreams:{seed}")
    return [{"rtstream_id": make_id("rts", rng), "name": channel.name, "media_types": [channel.media_type]}
            for channel in CAPTURE_CHANNELS]


def build(
    event: str,
    *,
    capture_session_id: str,
    end_user_id: str | None = "user_abc",
    timestamp: datetime | str | int | float = EPOCH,
    data: dict[str, Any] | None = None,
    rtstreams: list[dict[str, Any]] | None = None,
    exported_video_id: str | None = None,
    error: dict[str, Any] | str | None = None,
    stream_url: str | None = None,
    player_url: str | None = None,
) -> dict[str, Any]:
    """One v2 lifecycle webhook payload, as VideoDB posts it to a session's callback_url.

    `exported` carries `exported_video_id` and, when given, the video's `stream_url` and
    `player_url` (as VideoDB's capture quickstart backend reads them)."""
    name = event_name(event)
    status = status_of_event(name)
    body = dict(data or {})
    if status == "active":
        body.setdefault("rtstreams", rtstreams if rtstreams is not None else [])
    if status == "exported":
        if exported_video_id is None and "exported_video_id" not in body:
            raise ValueError("capture_session.exported needs exported_video_id=")
        body.setdefault("exported_video_id", exported_video_id)
        for key, url in (("stream_url", stream_url), ("player_url", player_url)):
            if url is not None:
                body.setdefault(key, url)
    if status == "failed":
        if isinstance(error, str):
            error = {"message": error, "code": "capture_failed"}
        body.setdefault("error", error or {"message": "capture failed", "code": "capture_failed"})
    return {
        "version": "2",
        "event": name,
        "timestamp": iso(timestamp),
        "capture_session_id": capture_session_id,
        "end_user_id": end_user_id,
        "status": status,
        "data": body,
    }


def lifecycle(
    capture_session_id: str | None = None,
    *,
    seed: int = 0,
    end_user_id: str | None = "user_abc",
    rtstreams: list[dict[str, Any]] | None = None,
    start: datetime = EPOCH,
    step: timedelta = timedelta(seconds=2),
    active_for: timedelta = timedelta(minutes=5),
    outcome: str = "exported",
    error: dict[str, Any] | str | None = None,
    media_base_url: str | None = None,
) -> list[dict[str, Any]]:
    """A session's whole sequence of payloads, in order.

    outcome="exported": created, starting, active, stopping, stopped, exported.
    outcome="stopped": the same without exported. outcome="failed": created, starting, failed.
    `media_base_url`: exported also carries the video's stream_url / player_url there (the
    display rtstream over the active window, as the emulator serves it).
    """
    if outcome not in ("exported", "stopped", "failed"):
        raise ValueError(f"outcome must be 'exported', 'stopped' or 'failed', not {outcome!r}")
    rng = random.Random(f"lifecycle:{seed}")
    sid = capture_session_id or make_id("cap", rng)
    streams = rtstreams if rtstreams is not None else default_rtstreams(seed)
    if outcome == "failed":
        steps: list[tuple[str, timedelta]] = [("created", step), ("starting", step), ("failed", step)]
    else:
        steps = [("created", step), ("starting", step), ("active", active_for),
                 ("stopping", step), ("stopped", step)]
        if outcome == "exported":
            steps.append(("exported", step))
    payloads, when = [], start
    urls: tuple[str | None, str | None] = (None, None)
    if media_base_url is not None and outcome == "exported":
        screen = next(r["rtstream_id"] for r in streams if "video" in r.get("media_types", ()))
        active = (start + 2 * step).timestamp()
        stream = make_stream_url(media_base_url, screen, active, active + active_for.total_seconds())
        urls = (stream, make_player_url(media_base_url, stream))
    for status, duration in steps:
        exported = status == "exported"
        payloads.append(build(
            status, capture_session_id=sid, end_user_id=end_user_id, timestamp=when,
            rtstreams=streams if status == "active" else None,
            exported_video_id=make_id("m", rng) if exported else None,
            error=error if status == "failed" else None,
            stream_url=urls[0] if exported else None, player_url=urls[1] if exported else None,
        ))
        when += duration
    return payloads


def alert(
    *,
    label: str,
    confidence: float,
    rtstream_id: str,
    start: datetime | int | float,
    end: datetime | int | float,
    explanation: str = "",
    event_id: str | None = None,
    stream_start: datetime | int | float | None = None,
    timestamp: datetime | str | int | float | None = None,
    media_base_url: str | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The webhook VideoDB posts to an alert's callback_url when its event fires.

    The fields are those of VideoDB's alerts page: `start_time` / `end_time` are video-time
    seconds (floats) counted from `stream_start` (the rtstream's start; default `start`),
    `timestamp` is ISO-8601 (default `end`), `stream_url` / `player_url` play the alert's window
    of `rtstream_id` (from `media_base_url`, else in VideoDB's own URL form). `start`, `end`,
    `stream_start`: datetimes or epoch ms. No rtstream or alert id: the page shows none (the
    rtstream is in `stream_url`, see `schema.media.parse_stream_url`).

        >>> hook = alert(label="decision", confidence=0.8, rtstream_id="rts-1",
        ...              start=1_768_912_500_000, end=1_768_912_503_500, stream_start=1_768_912_400_000)
        >>> hook["start_time"], hook["end_time"], hook["timestamp"]
        (100.0, 103.5, '2026-01-20T12:35:03.500Z')
    """
    start_ms, end_ms = _ms(start), _ms(end)
    origin_ms = start_ms if stream_start is None else _ms(stream_start)
    rng = random.Random(f"alert:{seed}:{label}:{start}")
    if media_base_url is not None:
        stream = make_stream_url(media_base_url, rtstream_id, start_ms / 1000, end_ms / 1000)
        player = make_player_url(media_base_url, stream)
    else:  # VideoDB's own form, as the cookbook's saved alert URLs show it
        stream = f"{VIDEODB_STREAMS}/manifests/{rtstream_id}/{round(start_ms * 1000):016d}-{round(end_ms * 1000):016d}.m3u8"
        player = f"{VIDEODB_PLAYER}/player?url={quote(stream, safe='')}"
    return {
        "event_id": event_id or make_id("event", rng),
        "label": label,
        "confidence": confidence,
        "explanation": explanation,
        "timestamp": iso(timestamp if timestamp is not None else end),
        "start_time": round((start_ms - origin_ms) / 1000, 3),
        "end_time": round((end_ms - origin_ms) / 1000, 3),
        "stream_url": stream,
        "player_url": player,
    }


def _ms(when: datetime | int | float) -> float:
    """A datetime or epoch ms -> epoch ms."""
    if isinstance(when, datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp() * 1000
    return float(when)

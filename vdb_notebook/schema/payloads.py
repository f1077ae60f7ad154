"""Webhook payload builders: the v2 lifecycle envelope and the alert webhook, deterministic.

The emulator sends exactly what these build, so offline notebooks see the shapes VideoDB sends.

    >>> build("active", capture_session_id="cap-1", rtstreams=default_rtstreams(seed=0))["status"]
    'active'
    >>> [p["event"] for p in lifecycle("cap-1")][-1]
    'capture_session.exported'
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from . import CAPTURE_CHANNELS, EPOCH, LIFECYCLE_EVENTS, LIFECYCLE_STATUSES, lifecycle_event, status_of_event


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
        when = datetime.fromtimestamp(when / 1000, tz=timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    text = when.astimezone(timezone.utc).isoformat(timespec="milliseconds")
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
) -> dict[str, Any]:
    """One v2 lifecycle webhook payload, as VideoDB posts it to a session's callback_url."""
    name = event_name(event)
    status = status_of_event(name)
    body = dict(data or {})
    if status == "active":
        body.setdefault("rtstreams", rtstreams if rtstreams is not None else [])
    if status == "exported":
        if exported_video_id is None and "exported_video_id" not in body:
            raise ValueError("capture_session.exported needs exported_video_id=")
        body.setdefault("exported_video_id", exported_video_id)
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
) -> list[dict[str, Any]]:
    """A session's whole sequence of payloads, in order.

    outcome="exported": created, starting, active, stopping, stopped, exported.
    outcome="stopped": the same without exported. outcome="failed": created, starting, failed.
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
    for status, duration in steps:
        payloads.append(build(
            status, capture_session_id=sid, end_user_id=end_user_id, timestamp=when,
            rtstreams=streams if status == "active" else None,
            exported_video_id=make_id("m", rng) if status == "exported" else None,
            error=error if status == "failed" else None,
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
    alert_id: str | None = None,
    timestamp: datetime | str | int | float | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The webhook VideoDB posts to an alert's callback_url when its event fires."""
    rng = random.Random(f"alert:{seed}:{label}:{start}")
    return {
        "event_id": event_id or make_id("event", rng),
        "alert_id": alert_id or make_id("alert", rng),
        "label": label,
        "confidence": confidence,
        "explanation": explanation,
        "rtstream_id": rtstream_id,
        "timestamp": iso(timestamp if timestamp is not None else end),
        "start_time": iso(start),
        "end_time": iso(end),
        "stream_url": f"https://stream.videodb.io/v3/rtstreams/{rtstream_id}/stream.m3u8",
        "player_url": f"https://console.videodb.io/player?rtstream={rtstream_id}",
    }

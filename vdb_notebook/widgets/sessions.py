"""The session lifecycle pane: each capture session's status and its history as a row of steps.

A session's status only moves forward in lifecycle order (created -> starting -> active ->
stopping -> stopped -> exported; failed ends it), so a late or duplicate webhook never moves it
back. The row of steps marks each step reached with the time it was first seen.

    >>> from types import SimpleNamespace as Ev
    >>> pane = SessionsPane()
    >>> for status in ("created", "active", "starting"):
    ...     pane.record(Ev(capture_session_id="cap-1", status=status, event=f"capture_session.{status}",
    ...                    timestamp=1768912496000.0, received_at=0, text=None, end_user_id="u1"))
    >>> pane.sessions["cap-1"].status
    'active'
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

from ..schema import LIFECYCLE_ORDER, status_of_event
from .markup import BORDER, FAINT, MUTED, SURFACE, chip, clip, esc, pane, placeholder, plural, stamp
from .renderer import Pane

RANK = LIFECYCLE_ORDER  # created -> ... -> exported, then failed
STEPS = tuple(status for status in RANK if status != "failed")
STATUS_COLOURS = {
    "created": "#64748b", "starting": "#d97706", "active": "#16a34a", "stopping": "#d97706",
    "stopped": "#475569", "exported": "#2563eb", "failed": "#dc2626",
}
#: At most this many sessions are kept; the one updated longest ago is forgotten first.
MAX_SESSIONS = 12
#: Bound on the distinct statuses a session remembers (unknown statuses included).
MAX_STEPS_SEEN = 12


@dataclass
class Session:
    session_id: str
    status: str = "unknown"
    seen: dict[str, float | None] = field(default_factory=dict)  # status -> first time seen
    end_user_id: str | None = None
    error: str = ""


def status_of(event: Any) -> str | None:
    """'active' from status='active' or event='capture_session.active'; None if neither."""
    status = getattr(event, "status", None)
    if not status:
        status = status_of_event(str(getattr(event, "event", "") or ""))
    return str(status) if status else None


class SessionsPane(Pane):
    name = "sessions"

    def __init__(self) -> None:
        super().__init__()
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.forgotten = 0

    def record(self, event: Any) -> None:
        sid = str(getattr(event, "capture_session_id", None) or "unknown session")
        status = status_of(event)
        session = self.sessions.get(sid)
        if session is None:
            session = self.sessions[sid] = Session(sid)
            if len(self.sessions) > MAX_SESSIONS:
                self.sessions.popitem(last=False)
                self.forgotten += 1
        self.sessions.move_to_end(sid)
        session.end_user_id = getattr(event, "end_user_id", None) or session.end_user_id
        if status is None:
            return
        when = getattr(event, "timestamp", None) or getattr(event, "received_at", None)
        if status in session.seen or len(session.seen) < MAX_STEPS_SEEN:
            session.seen.setdefault(status, when)
        if status == "failed":
            session.error = clip(getattr(event, "text", None) or "", 200)
        if RANK.get(status, -1) >= RANK.get(session.status, -1):
            session.status = status

    def snapshot(self) -> tuple[list[Session], int, float | None]:
        return ([replace(s, seen=dict(s.seen)) for s in self.sessions.values()], self.forgotten,
                self.origin_ms)

    def render(self, snap: tuple[list[Session], int, float | None], now_ms: float) -> str:
        sessions, forgotten, origin = snap
        body = ("".join(_card(s, origin) for s in reversed(sessions))
                or placeholder("No capture sessions yet."))
        note = plural(len(sessions) + forgotten, "session")
        return pane("Sessions", body, note=esc(note), scroll=False)


def _card(session: Session, origin: float | None) -> str:
    colour = STATUS_COLOURS.get(session.status, MUTED)
    user = f" <span style='color:{MUTED}'>· {esc(session.end_user_id)}</span>" if session.end_user_id else ""
    error = (f"<div style='color:#dc2626;font-size:11px;word-break:break-word'>{esc(session.error)}</div>"
             if session.error else "")
    return (
        f"<div style='padding:4px 0 6px;border-bottom:1px solid {BORDER}'>"
        f"<div style='display:flex;gap:6px;align-items:center;flex-wrap:wrap'>"
        f"<code style='font-size:11px'>{esc(session.session_id)}</code>{user}"
        f"<span style='margin-left:auto'>{chip(esc(session.status), colour)}</span></div>"
        f"{_steps(session, origin)}{error}</div>"
    )


def _steps(session: Session, origin: float | None) -> str:
    steps = list(STEPS)
    if "failed" in session.seen:
        steps = [s for s in STEPS if s in session.seen] + ["failed"]
    others = [s for s in session.seen if s not in RANK]  # statuses we do not know, kept visible
    dots = []
    for step in steps + others:
        reached = step in session.seen
        colour = STATUS_COLOURS.get(step, MUTED) if reached else FAINT
        fill = colour if reached else SURFACE
        when = stamp(session.seen.get(step), origin) if reached else ""
        dots.append(
            f"<div style='flex:1 1 0;min-width:0;text-align:center'>"
            f"<div style='height:2px;background:{colour if reached else BORDER};position:relative;top:6px'></div>"
            f"<div style='width:10px;height:10px;border-radius:50%;border:2px solid {colour};"
            f"background:{fill};margin:0 auto;position:relative;box-sizing:border-box'></div>"
            f"<div style='font-size:9.5px;color:{colour if reached else MUTED};white-space:nowrap;"
            f"overflow:hidden;text-overflow:ellipsis'>{esc(step)}</div>"
            f"<div style='font-size:9px;color:{MUTED};font-variant-numeric:tabular-nums'>{esc(when)}</div></div>"
        )
    return f"<div style='display:flex;margin-top:4px'>{''.join(dots)}</div>"

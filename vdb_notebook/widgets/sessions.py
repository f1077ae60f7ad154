"""The session lifecycle pane: each capture session's status and its history as a row of steps.

A session's status only moves forward in lifecycle order (created -> starting -> active ->
stopping -> stopped -> exported; failed ends it), so a late or duplicate webhook never moves it
back. The row of steps marks each step reached with the time it was first seen. With more than
`CARDS` sessions (a fleet), the pane shows how many are in each status and one short line per
session instead, the picked session (`selected`, from the dashboard's session picker) first.

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

from ..schema import LIFECYCLE_ORDER, status_of_event
from .frames import EventRow
from .markup import (
    BORDER,
    FAINT,
    MUTED,
    SUNKEN,
    SURFACE,
    chip,
    clip,
    esc,
    pane,
    placeholder,
    plural,
    stamp,
)
from .renderer import Pane

RANK = LIFECYCLE_ORDER  # created -> ... -> exported, then failed
STEPS = tuple(status for status in RANK if status != "failed")
STATUS_COLOURS = {
    "created": "#64748b", "starting": "#d97706", "active": "#16a34a", "stopping": "#d97706",
    "stopped": "#475569", "exported": "#2563eb", "failed": "#dc2626",
}
#: At most this many sessions are kept; the one updated longest ago is forgotten first.
MAX_SESSIONS = 500
#: Up to this many sessions are drawn as cards with their steps; more as one line each.
CARDS = 4
#: Lines drawn in the fleet view (the rest are counted in the status summary).
MAX_LINES = 100
#: Bound on the distinct statuses a session remembers (unknown statuses included).
MAX_STEPS_SEEN = 12


@dataclass
class Session:
    session_id: str
    status: str = "unknown"
    seen: dict[str, float | None] = field(default_factory=dict)  # status -> first time seen
    end_user_id: str | None = None
    error: str = ""


def status_of(event: EventRow) -> str | None:
    """'active' from status='active' or event='capture_session.active'; None if neither."""
    status = getattr(event, "status", None)
    if not status:
        status = status_of_event(str(getattr(event, "event", "") or ""))
    return str(status) if status else None


class SessionsPane(Pane[tuple[list[Session], int, float | None, str | None]]):
    name = "sessions"

    def __init__(self) -> None:
        super().__init__()
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.forgotten = 0
        self.selected: str | None = None  # the session the other panes show (None: all)

    def record(self, event: EventRow) -> None:
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

    def snapshot(self) -> tuple[list[Session], int, float | None, str | None]:
        return ([replace(s, seen=dict(s.seen)) for s in self.sessions.values()], self.forgotten,
                self.origin_ms, self.selected)

    def render(self, snap: tuple[list[Session], int, float | None, str | None], now_ms: float) -> str:
        sessions, forgotten, origin, selected = snap
        note = plural(len(sessions) + forgotten, "session")
        if selected:
            note += f" · showing {selected}"
        if len(sessions) > CARDS:
            return pane("Sessions", _fleet(sessions, selected, origin), note=esc(note), scroll=False)
        body = ("".join(_card(s, origin, s.session_id == selected) for s in reversed(sessions))
                or placeholder("No capture sessions yet."))
        return pane("Sessions", body, note=esc(note), scroll=False)


def _fleet(sessions: list[Session], selected: str | None, origin: float | None) -> str:
    """Counts per status, then one line per session (picked first, then newest first)."""
    counts: dict[str, int] = {}
    for session in sessions:
        counts[session.status] = counts.get(session.status, 0) + 1
    summary = " ".join(chip(f"{esc(status)} {n}", STATUS_COLOURS.get(status, MUTED))
                       for status, n in sorted(counts.items(), key=lambda kv: RANK.get(kv[0], 99)))
    newest_first = sessions[::-1]
    ordered = sorted(newest_first, key=lambda s: s.session_id != selected)  # stable: picked first
    lines = "".join(_line(s, s.session_id == selected, origin) for s in ordered[:MAX_LINES])
    more = len(sessions) - MAX_LINES
    rest = f"<div style='color:{MUTED};font-size:11px'>{more} more (pick one above)</div>" if more > 0 else ""
    return (f"<div style='display:flex;flex-wrap:wrap;gap:4px;margin-bottom:4px'>{summary}</div>"
            f"<div style='max-height:200px;overflow-y:auto'>{lines}{rest}</div>")


def _line(session: Session, picked: bool, origin: float | None) -> str:
    colour = STATUS_COLOURS.get(session.status, MUTED)
    mark = f"font-weight:700;background:{SUNKEN};" if picked else ""
    user = f" <span style='color:{MUTED}'>{esc(session.end_user_id)}</span>" if session.end_user_id else ""
    when = stamp(session.seen.get(session.status), origin)
    return (f"<div style='{mark}display:flex;gap:6px;font-size:11px;border-bottom:1px solid {BORDER}'>"
            f"<code>{esc(session.session_id)}</code>{user}<span style='margin-left:auto;color:{colour}'>"
            f"{esc(session.status)}</span><span style='color:{MUTED};font-variant-numeric:tabular-nums'>"
            f"{esc(when)}</span></div>")


def _card(session: Session, origin: float | None, picked: bool = False) -> str:
    colour = STATUS_COLOURS.get(session.status, MUTED)
    outline = f"box-shadow:inset 3px 0 0 {colour};padding-left:6px;" if picked else ""
    user = f" <span style='color:{MUTED}'>· {esc(session.end_user_id)}</span>" if session.end_user_id else ""
    error = (f"<div style='color:#dc2626;font-size:11px;word-break:break-word'>{esc(session.error)}</div>"
             if session.error else "")
    return (
        f"<div style='{outline}padding:4px 0 6px;border-bottom:1px solid {BORDER}'>"
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

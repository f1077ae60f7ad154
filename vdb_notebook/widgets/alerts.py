"""The alerts pane: newest first, a label badge, a confidence bar, the time and the text.

An alert stands out (tinted, with a NEW badge) for `NEW_FOR_S` seconds after it arrives. The
badge ends on time by itself: a CSS animation delayed by the seconds it has left hides it in
the browser, whether or not another frame is ever drawn; the renderer also redraws the pane
when that time runs out (`next_refresh`), so the saved widget state ends without it. Times are
mm:ss of session time.

    >>> from types import SimpleNamespace as Ev
    >>> pane = AlertsPane()
    >>> pane.record(Ev(label="sensitive_content", confidence=0.92, triggered=True, text=None,
    ...                timestamp=1768912496000.0, rtstream_name="display:1", rtstream_id="rts-3",
    ...                received_at=1000.0))
    >>> html = pane.render(pane.snapshot(), now_ms=2000.0)
    >>> "92%" in html and "NEW" in html and "animation:vdb-new-off 0s linear 9.0s forwards" in html
    True
"""
from __future__ import annotations

from collections import deque
from functools import lru_cache
from typing import NamedTuple

from .frames import EventRow
from .markup import BORDER, MUTED, SUNKEN, chip, clip, esc, pane, placeholder, plural, stamp
from .renderer import Pane
from .transcript import speaker_of

#: How long (seconds) a freshly arrived alert stays highlighted.
NEW_FOR_S = 10.0


class Alert(NamedTuple):
    label: str
    confidence: float | None
    triggered: bool | None
    when: float | None  # the alert's own time, epoch ms
    text: str
    stream: str
    arrived: float  # epoch ms the store received it


class AlertsPane(Pane[tuple[list[Alert], int, float | None]]):
    name = "alerts"

    def __init__(self, max_alerts: int = 30) -> None:
        super().__init__()
        self.alerts: deque[Alert] = deque(maxlen=max_alerts)
        self.keeps = max_alerts

    def record(self, event: EventRow) -> None:
        confidence = getattr(event, "confidence", None)
        self.alerts.append(Alert(
            clip(getattr(event, "label", None) or "alert", 80),
            float(confidence) if isinstance(confidence, (int, float)) else None,
            getattr(event, "triggered", None),
            getattr(event, "timestamp", None) or getattr(event, "start", None),
            clip(getattr(event, "text", None)),
            speaker_of(event),
            float(getattr(event, "received_at", None) or 0.0),
        ))
        self.total += 1

    def snapshot(self) -> tuple[list[Alert], int, float | None]:
        return list(self.alerts), self.total, self.origin_ms

    def render(self, snap: tuple[list[Alert], int, float | None], now_ms: float) -> str:
        alerts, total, origin = snap
        cards = "".join(_card(a, _new_for(a, now_ms), origin) for a in reversed(alerts))
        note = plural(total, "alert")
        if total > len(alerts):
            note += f" (last {len(alerts)} shown)"
        # Newest first: the top of a plain scroll box is where a new alert appears.
        body = (f"<div style='max-height:260px;overflow-y:auto'>{cards}</div>" if cards
                else placeholder("No alerts yet."))
        return pane("Alerts", _EXPIRE + body, note=esc(note), scroll=False)

    def next_refresh(self, snap: tuple[list[Alert], int, float | None],
                     now_ms: float) -> float | None:
        """Redraw when the oldest highlighted alert stops being new."""
        left = [s for s in (_new_for(a, now_ms) for a in snap[0]) if s is not None]
        return min(left) + 0.05 if left else None


#: Hides a NEW badge and its tint when the animation's delay (the seconds left) runs out.
_EXPIRE = ("<style>@keyframes vdb-new-off{to{visibility:hidden}}"
           "@keyframes vdb-new-untint{to{background:transparent;border-left-color:"
           f"{BORDER}}}}}</style>")


def _new_for(alert: Alert, now_ms: float) -> float | None:
    """Seconds the alert stays new (None: it is not new, or `now_ms` is unknown)."""
    left = (alert.arrived + NEW_FOR_S * 1000 - now_ms) / 1000
    return round(left, 1) if left > 0 else None


def confidence_colour(confidence: float) -> str:
    """Red from 0.8, amber from 0.5, else grey-blue."""
    return "#dc2626" if confidence >= 0.8 else "#d97706" if confidence >= 0.5 else "#64748b"


def _bar(confidence: float | None) -> str:
    if confidence is None:
        return f"<span style='color:{MUTED};font-size:10.5px'>confidence n/a</span>"
    share = max(0.0, min(1.0, confidence))
    colour = confidence_colour(share)
    return (
        f"<span style='display:inline-flex;align-items:center;gap:4px' title='confidence {share:.2f}'>"
        f"<span style='display:inline-block;width:64px;height:6px;background:{SUNKEN};border-radius:3px;"
        f"overflow:hidden'><span style='display:block;height:100%;width:{share * 100:.0f}%;"
        f"background:{colour}'></span></span>"
        f"<span style='font-size:10.5px;color:{colour};font-weight:600;font-variant-numeric:tabular-nums'>"
        f"{share * 100:.0f}%</span></span>"
    )


@lru_cache(maxsize=256)
def _card(alert: Alert, new_for: float | None, origin: float | None) -> str:
    fired = alert.triggered is not False
    colour = "#dc2626" if fired else "#64748b"
    if new_for is None:
        tint, new = f"border-left:3px solid {BORDER}", ""
    else:
        expire = f"0s linear {new_for:.1f}s forwards"
        tint = (f"background:rgba(249,115,22,0.14);border-left:3px solid #f97316;"
                f"animation:vdb-new-untint {expire}")
        new = (f"<span style='animation:vdb-new-off {expire}'>"
               f"{chip('NEW', '#f97316')}</span>")
    not_fired = "" if fired else f"<span style='color:{MUTED};font-size:10.5px'>not triggered</span>"
    text = f"<div style='margin-top:2px;word-break:break-word'>{esc(alert.text)}</div>" if alert.text else ""
    return (
        f"<div style='{tint};padding:4px 6px;margin:3px 0;border-radius:4px'>"
        f"<div style='display:flex;flex-wrap:wrap;gap:6px;align-items:center'>"
        f"{chip(esc(alert.label), colour)}{_bar(alert.confidence)}{new}{not_fired}"
        f"<span style='margin-left:auto;color:{MUTED};font-size:10.5px;font-variant-numeric:tabular-nums'>"
        f"{esc(stamp(alert.when, origin))} · {esc(alert.stream)}</span></div>{text}</div>"
    )

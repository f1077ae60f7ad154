"""The visual-index and audio-index panes: the latest descriptions, newest at the bottom.

    >>> from types import SimpleNamespace as Ev
    >>> pane = IndexPane("visual")
    >>> pane.record(Ev(rtstream_name="display:1", rtstream_id="rts-3", text="Slack <open>",
    ...                start=1768912496000.0, end=1768912502000.0))
    >>> "12:34:56–12:35:02" in pane.render(pane.snapshot(), 0)   # no session clock: UTC
    True
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from .frames import EventRow
from .markup import BORDER, MUTED, chip, clip, colour_for, esc, pane, placeholder, plural, stamp
from .renderer import Pane
from .transcript import speaker_of

TITLES = {"visual": ("Visual index", "Waiting for scene descriptions…"),
          "audio": ("Audio index", "Waiting for audio summaries…")}


class Entry(NamedTuple):
    stream: str
    text: str
    start: float | None
    end: float | None
    picture: str | None = None  # a thumbnail of the frame described (see review.pictures)


class IndexPane(Pane[tuple[list[Entry], int, float | None]]):
    """`kind` is 'visual' (visual_index / scene_index events) or 'audio' (audio_index);
    `pictures(event)` gives the URL of a thumbnail of the frame an event describes, or None."""

    def __init__(self, kind: str, max_entries: int = 40,
                 pictures: Callable[[Any], str | None] | None = None) -> None:
        if kind not in TITLES:
            raise ValueError(f"kind must be 'visual' or 'audio', not {kind!r}")
        super().__init__()
        self.name = kind
        self.entries: deque[Entry] = deque(maxlen=max_entries)
        self.keeps = max_entries
        self.pictures = pictures

    def record(self, event: EventRow) -> None:
        self.entries.append(Entry(
            speaker_of(event),
            clip(getattr(event, "text", None)),
            getattr(event, "start", None) or getattr(event, "timestamp", None),
            getattr(event, "end", None),
            self.pictures(event) if self.pictures else None,
        ))
        self.total += 1

    def snapshot(self) -> tuple[list[Entry], int, float | None]:
        return list(self.entries), self.total, self.origin_ms

    def render(self, snap: tuple[list[Entry], int, float | None], now_ms: float) -> str:
        entries, total, origin = snap
        title, waiting = TITLES[self.name]
        body = "".join(_row(entry, origin) for entry in entries) or placeholder(waiting)
        note = plural(total, "event")
        if total > len(entries):
            note += f" (last {len(entries)} shown)"
        return pane(title, body, note=esc(note), height="200px")


def _span(entry: Entry, origin: float | None) -> str:
    start, end = stamp(entry.start, origin), stamp(entry.end, origin)
    return f"{start}–{end}" if start and end and end != start else start


@lru_cache(maxsize=1024)
def _row(entry: Entry, origin: float | None) -> str:
    colour = colour_for(entry.stream)
    return (
        f"<div style='padding:3px 0;border-bottom:1px dashed {BORDER}'>"
        f"<div style='display:flex;gap:6px;align-items:center'>"
        f"{chip(esc(entry.stream), colour, solid=False)}"
        f"<span style='color:{MUTED};font-size:10.5px;font-variant-numeric:tabular-nums'>"
        f"{esc(_span(entry, origin))}</span></div>"
        f"<div style='word-break:break-word;margin-top:1px'>{_picture(entry, origin)}{esc(entry.text)}</div></div>"
    )


def _picture(entry: Entry, origin: float | None) -> str:
    """The thumbnail, hidden if it cannot be loaded (a snapshot whose emulator has stopped)."""
    if not entry.picture:
        return ""
    return (f"<img src='{esc(entry.picture)}' alt='frame at {esc(stamp(entry.start, origin))}' "
            f"width='96' height='54' loading='lazy' onerror=\"this.style.display='none'\" "
            f"style='float:right;margin:0 0 2px 6px;border-radius:3px;background:{BORDER}'>")

"""The transcript pane: finals appended as a conversation, each stream's interim line in place.

Each rtstream is a speaker with its own colour (and a person's name leading a line, as in
"Sofia: Sure", is shown in bold in that person's colour). Finals from every stream appear in arrival
order (the last `max_lines` kept); below them, each stream's current interim line, replaced by
the next interim and cleared by that stream's final.

    >>> from types import SimpleNamespace as Ev
    >>> pane = TranscriptPane()
    >>> pane.record(Ev(rtstream_id="rts-1", rtstream_name="mic:default", text="Hello <team>",
    ...                is_final=False, start=None))
    >>> "Hello &lt;team&gt;" in pane.render(pane.snapshot(), 0)
    True
"""
from __future__ import annotations

import re
from collections import OrderedDict, deque
from functools import lru_cache
from typing import NamedTuple

import pandas as pd

from .frames import EventRow, event_rows
from .markup import MUTED, chip, clip, colour_for, esc, pane, placeholder, plural, stamp
from .renderer import Pane

#: At most this many streams keep an interim line; the stalest is forgotten first.
MAX_SPEAKERS = 16
#: "Sofia: Sure, ..." -> a person's name leading a line, shown in bold in their own colour.
PERSON = re.compile(r"^([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2}): (?=\S)")


class Line(NamedTuple):
    """The part of a transcript event the pane keeps."""

    rtstream_id: str
    speaker: str
    text: str
    is_final: bool
    start: float | None


def speaker_of(event: EventRow) -> str:
    """The name a stream speaks under: its rtstream name, else its id, else 'unknown'."""
    return str(getattr(event, "rtstream_name", None) or getattr(event, "rtstream_id", None) or "unknown")


class TranscriptPane(Pane[tuple[list[Line], list[Line], int, float | None]]):
    name = "transcript"
    flex = "2 1 0"

    def __init__(self, max_lines: int = 60) -> None:
        super().__init__()
        self.finals: deque[Line] = deque(maxlen=max_lines)
        self.interim: OrderedDict[str, Line] = OrderedDict()
        self.total_finals = 0

    def record(self, event: EventRow) -> None:
        line = Line(
            str(getattr(event, "rtstream_id", None) or speaker_of(event)),
            speaker_of(event),
            clip(getattr(event, "text", None)),
            getattr(event, "is_final", None) is not False,  # none given (a webhook): final
            getattr(event, "start", None) or getattr(event, "timestamp", None),
        )
        if line.is_final:
            self.finals.append(line)
            self.total_finals += 1
            self.interim.pop(line.rtstream_id, None)
            return
        self.interim[line.rtstream_id] = line
        self.interim.move_to_end(line.rtstream_id)
        while len(self.interim) > MAX_SPEAKERS:
            self.interim.popitem(last=False)

    def seed(self, frame: pd.DataFrame) -> None:
        """The last finals, plus each stream's newest line when it is an interim."""
        final = frame["is_final"].fillna(True).to_numpy(dtype=bool)
        newest_per_stream = frame.groupby(frame["rtstream_id"].astype(object).fillna(""),
                                          sort=False).tail(1)
        open_interims = newest_per_stream[newest_per_stream["is_final"].eq(False).fillna(False)]
        finals = frame[final].tail(self.finals.maxlen or 0)
        rows = event_rows(pd.concat([finals, open_interims]).sort_values("seq"))
        for row in rows:
            self.record(row)
        self.total_finals = int(final.sum())

    def snapshot(self) -> tuple[list[Line], list[Line], int, float | None]:
        return list(self.finals), list(self.interim.values()), self.total_finals, self.origin_ms

    def render(self, snap: tuple[list[Line], list[Line], int, float | None], now_ms: float) -> str:
        finals, interim, total, origin = snap
        rows, previous = [], None
        for line in finals:  # like a chat: the speaker's name only when the speaker changes
            rows.append(_row(line, origin, interim=False, named=line.speaker != previous))
            previous = line.speaker
        rows += [_row(line, origin, interim=True, named=True) for line in interim]
        body = "".join(rows) or placeholder("Waiting for speech…")
        note = plural(total, "final line")
        if total > len(finals):
            note += f" (last {len(finals)} shown)"
        return pane("Transcript", body, note=esc(note), height="260px")


def _text(text: str) -> str:
    match = PERSON.match(text)
    if match is None:
        return esc(text)
    who = match.group(1)
    return f"<b style='color:{colour_for(who)}'>{esc(who)}:</b> {esc(text[match.end():])}"


@lru_cache(maxsize=1024)  # finals are redrawn every frame until they scroll out
def _row(line: Line, origin: float | None, *, interim: bool, named: bool) -> str:
    colour = colour_for(line.speaker)
    name = chip(esc(line.speaker), colour, solid=not interim) + " " if named else ""
    text = f"<i style='color:{MUTED}'>{_text(line.text)} …</i>" if interim else _text(line.text)
    gap = "margin-top:5px;" if named else ""
    return (
        f"<div style='{gap}border-left:3px solid {colour};padding:1px 0 1px 7px;word-break:break-word'>"
        f"{name}<span style='color:{MUTED};font-size:10.5px'>{stamp(line.start, origin)}</span> {text}</div>"
    )

"""What the dashboard's panes show: a text filter, one session, one stream (`Selection`), and
the sessions and streams seen so far, for the pickers (`Catalog`).

A live stream event (transcript, index, alert) names its rtstream but not its session; the
session it belongs to is learned from the `capture_session.active` event that lists the
session's rtstreams, as the store learns it.

    >>> from types import SimpleNamespace as Ev
    >>> catalog = Catalog()
    >>> catalog.record(Ev(capture_session_id="cap-1", rtstream_id=None, rtstream_name=None,
    ...                   end_user_id="u1", event="capture_session.active",
    ...                   frame={"data": {"rtstreams": [{"rtstream_id": "rts-1"}]}}))
    >>> said = Ev(capture_session_id=None, rtstream_id="rts-1", rtstream_name="mic:default",
    ...           text="Card number please", label=None, event="transcript")
    >>> Selection(session="cap-1", text="card").matches(said, catalog)
    True
    >>> Selection(session="cap-2").matches(said, catalog)
    False
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import cast

import pandas as pd

from ..events.fields import stream_ids
from .frames import EventRow

#: The columns a text filter looks in (case-insensitive substring).
TEXT_FIELDS = ("text", "label", "rtstream_name", "event")
#: Bounds on what the pickers remember (the oldest seen is forgotten first).
MAX_SESSIONS = 1000
MAX_STREAMS = 4000


@dataclass(frozen=True)
class Selection:
    """`text`: shown events contain it (any case) in their text, label, stream name or event
    name; `session`, `stream`: a capture session id, an rtstream id (None: all)."""

    text: str = ""
    session: str | None = None
    stream: str | None = None

    @property
    def everything(self) -> bool:
        """True when nothing is filtered out."""
        return not self.text and self.session is None and self.stream is None

    def matches(self, event: EventRow, catalog: Catalog) -> bool:
        """Whether a live event is shown (O(1) but for the text search)."""
        if self.stream is not None and getattr(event, "rtstream_id", None) != self.stream:
            return False
        if self.session is not None and catalog.session_of(event) != self.session:
            return False
        return not self.text or self._says(event)

    def _says(self, event: EventRow) -> bool:
        wanted = self.text.casefold()
        return any(wanted in str(getattr(event, field, None) or "").casefold() for field in TEXT_FIELDS)

    def mask(self, df: pd.DataFrame) -> pd.Series:
        """The rows of `store.df` that are shown (vectorised `matches`)."""
        keep = pd.Series(True, index=df.index)
        if self.stream is not None:
            keep &= df["rtstream_id"].astype(object).eq(self.stream)
        if self.session is not None:
            keep &= df["capture_session_id"].astype(object).eq(self.session)
        if self.text:
            said = pd.Series(False, index=df.index)
            for field in TEXT_FIELDS:
                said |= df[field].astype(object).fillna("").astype(str).str.contains(
                    self.text, case=False, regex=False)
            keep &= said
        return cast(pd.Series, keep)


class Catalog:
    """The sessions (with their end user) and streams (with their name and session) seen, in
    the order first seen; `version` grows with each change (the pickers redraw on it)."""

    def __init__(self) -> None:
        self.sessions: OrderedDict[str, str | None] = OrderedDict()  # id -> end user
        self.streams: OrderedDict[str, tuple[str, str | None]] = OrderedDict()
        self.version = 0

    def record(self, event: EventRow) -> None:
        session = getattr(event, "capture_session_id", None)
        if session:
            self._add_session(str(session), getattr(event, "end_user_id", None))
            if getattr(event, "event", None) == "capture_session.active":
                frame = getattr(event, "frame", None)
                data = frame.get("data") if isinstance(frame, dict) else None
                for rts in stream_ids(data) if isinstance(data, dict) else ():
                    self._add_stream(rts, None, str(session))
        stream = getattr(event, "rtstream_id", None)
        if stream:
            self._add_stream(str(stream), getattr(event, "rtstream_name", None), session)

    def seed(self, df: pd.DataFrame) -> None:
        """What a filled store's rows name (its `.df` has each stream row's session filled in)."""
        sessions = _plain(df, ["capture_session_id", "end_user_id"]).dropna(subset=["capture_session_id"])
        for session, user in sessions.drop_duplicates("capture_session_id", keep="last").itertuples(index=False):
            self._add_session(str(session), user)
        streams = _plain(df, ["rtstream_id", "rtstream_name", "capture_session_id"])
        streams = streams.dropna(subset=["rtstream_id"]).drop_duplicates("rtstream_id", keep="last")
        for rts, name, session in streams.itertuples(index=False):
            self._add_stream(str(rts), name, session)

    def session_of(self, event: EventRow) -> str | None:
        """The event's capture session: its own, else its stream's."""
        session = getattr(event, "capture_session_id", None)
        if session:
            return str(session)
        known = self.streams.get(getattr(event, "rtstream_id", None) or "")
        return known[1] if known else None

    def _add_session(self, session: str, user: object) -> None:
        if session in self.sessions and (not user or self.sessions[session] == user):
            return
        self.sessions[session] = str(user) if user else self.sessions.get(session, None)
        while len(self.sessions) > MAX_SESSIONS:
            self.sessions.popitem(last=False)
        self.version += 1

    def _add_stream(self, rts: str, name: object, session: object) -> None:
        known = self.streams.get(rts)
        new = (str(name) if name else (known[0] if known else ""),
               str(session) if session else (known[1] if known else None))
        if new == known:
            return
        self.streams[rts] = new
        while len(self.streams) > MAX_STREAMS:
            self.streams.popitem(last=False)
        self.version += 1


def _plain(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`columns` of `df` as Python objects, None where missing (no pd.NA)."""
    part = df[columns].astype(object)
    return part.where(part.notna(), None)

"""Frames in, `Event`s out: every VideoDB shape normalised, no I/O.

    >>> from vdb_notebook.events import normalise
    >>> normalise({"channel": "transcript", "rtstream_id": "rts-1",
    ...            "data": {"text": "hi", "is_final": True, "start": 1710000001234}}).text
    'hi'
"""
from .decode import normalise
from .event import CONTENT_FIELDS, FIELDS, Event, Rejection
from .sink import EventSink

__all__ = ["CONTENT_FIELDS", "FIELDS", "Event", "EventSink", "Rejection", "normalise"]

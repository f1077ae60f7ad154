"""Events and alerts: what to detect (`conn.create_event`) and where it is watched for
(`index.create_alert`), with each alert's firings.

A self-contained piece of the state (as moto's KeyPairBackend): `Alerting` keeps its own
records and touches nothing else; an index is anything with an `id` and an `rtstream_id`.
Which moments fire an alert is matching.py's; sending it is engine.py's.

    >>> from vdb_notebook.emulator.models import Ids
    >>> alerting = Alerting(Ids(0))
    >>> event = alerting.create_event({"event_prompt": "Someone says lunch", "label": "lunch"})
    >>> event.id.startswith("event-"), alerting.events[event.id].label
    (True, 'lunch')
"""
from __future__ import annotations

from typing import Any, Protocol

from .errors import BadRequest, NotFound, string_field
from .models import Alert, Event, Ids


class Watched(Protocol):
    """What an alert needs of the index it watches (a SceneIndex or a StreamIndex)."""

    @property
    def id(self) -> str: ...
    @property
    def rtstream_id(self) -> str: ...


class Alerting:
    """Events by id, and alerts by id on the indexes they watch."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.events: dict[str, Event] = {}
        self.alerts: dict[str, Alert] = {}

    def create_event(self, body: dict[str, Any]) -> Event:
        prompt, label = body.get("event_prompt"), body.get("label")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadRequest("event_prompt is required: describe what to detect, e.g. "
                             "'Someone reads out a card number or password'")
        if not isinstance(label, str) or not label.strip():
            raise BadRequest("label is required: a short name for the event, e.g. 'sensitive_content'")
        event = Event(id=self.ids.new("event"), prompt=prompt, label=label)
        self.events[event.id] = event
        return event

    def create_alert(self, index: Watched, body: dict[str, Any]) -> Alert:
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or event_id not in self.events:
            raise BadRequest(f"event_id {event_id!r} is unknown; create it first with "
                             "conn.create_event(event_prompt, label)")
        if "callback_url" not in body or not isinstance(body["callback_url"], str):
            raise BadRequest("callback_url is required (a URL string, or '' for no webhook)")
        alert = Alert(id=self.ids.new("alert"), index_id=index.id, rtstream_id=index.rtstream_id,
                      event_id=event_id, label=self.events[event_id].label,
                      callback_url=body["callback_url"],
                      ws_connection_id=string_field(body, "ws_connection_id"))
        self.alerts[alert.id] = alert
        return alert

    def alert(self, index: Watched, aid: str) -> Alert:
        alert = self.alerts.get(aid)
        if alert is None or alert.index_id != index.id:
            raise NotFound(f"alert {aid!r} not found on index {index.id}")
        return alert

    def alerts_of(self, index: Watched) -> list[Alert]:
        return [a for a in self.alerts.values() if a.index_id == index.id]

    def prompt_of(self, alert: Alert) -> str:
        """The event prompt `alert` watches for."""
        return self.events[alert.event_id].prompt

    def set_enabled(self, alert: Alert, enabled: bool) -> None:
        alert.status = "enabled" if enabled else "disabled"

    def record(self, alert: Alert, data: dict[str, Any]) -> bool:
        """Note that `alert` fired with frame `data`; False if it is disabled (nothing recorded)."""
        if alert.status != "enabled":
            return False
        alert.fired.append(dict(data))
        return True


__all__ = ["Alerting", "Watched"]

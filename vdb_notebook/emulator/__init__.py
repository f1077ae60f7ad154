"""The offline VideoDB capture service: the real `videodb` SDK talks to it through `base_url`.

    >>> from vdb_notebook.emulator import Emulator
    >>> with Emulator(scenario="standup", speed="max") as emu:
    ...     conn = emu.connect()          # a real videodb Connection, pointed at emu.base_url
    ...     session = conn.create_capture_session(end_user_id="user_abc")
    ...     emu.start_capture(session.id)["status"]
    'active'

Modules, split as moto splits a service: state.py (what the service knows; every state change),
engine.py (what changes cause: webhooks, frames, pipelines), responses/ (parse a request, call
the state or engine, render the answer), urls.py (the one route table: API, WebSocket and
/_emulator/ control routes), server.py (thread, loop, dispatch, `Emulator`); hub.py (open
WebSockets), sender.py (webhooks), faults.py, scenario.py + scenarios/*.json (the timeline).

Choices where VideoDB's docs leave room (each also noted where it is implemented):
- Where a pipeline's frames go: its own `ws_connection_id`; else its capture session's
  `ws_connection_id` (so the seed doc's `start_transcript()` without one still streams); else
  nowhere. REST reads (`get_transcript`, `get_scenes`, `list_alerts`) fill either way. Calling
  `start_transcript(ws_connection_id=new)` again retargets a running transcript in place.
- The visual index channel is named per scenario (`visual_channel`): `scene_index` in standup,
  as the doc's channel table and Quick Example have it; `visual_index` in burst, as the doc's
  example frame has it. Consumers should accept both.
- Speakers: transcript `text` is "Name: words" and `data.speaker` is "Name"; `rtstream_name`
  stays the device (`mic:default` is the local user, `system_audio:default` the remote ones).
- Time: lifecycle webhooks are stamped created = EPOCH, starting +2 s, active +4 s (scenario
  time 0), stopping = active + the scenario's duration, stopped and exported +2 s each, whatever
  the wall clock says. start_capture / stop_capture make their transitions at once.
- Alerts: `create_alert` on an index fires when the event's label matches (case-insensitive)
  an alert cue of the scenario on that index's track: an `alert` frame, an alert webhook
  (`payloads.alert`) to a non-empty `callback_url`, and a `fired` record in `list_alerts`.
- The WebSocket URL carries a ticket (`wst-...`), never the API key; `reset` voids tickets.
- A pipeline stopped and started again resumes where it stopped; a new one starts at time 0.
"""
from __future__ import annotations

from .faults import Faults
from .scenario import Scenario, available
from .server import EMULATOR_KEY, Emulator
from .state import ApiError

__all__ = ["ApiError", "EMULATOR_KEY", "Emulator", "Faults", "Scenario", "available"]

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
WebSockets), sender.py (webhooks), faults.py, scenario.py + scenarios/*.json (the timeline and
its clock), worlds.py (which world plays where), recorded.py (a recording as a world),
recordings.py (exported videos and their indexes), footage.py (what a video holds), fleet.py
(`emu.start_fleet`: N end users' sessions at once, each in its own world, through the SDK). The desktop half: capture_client.py (a stand-in for the capture binary the SDK's
`videodb.capture.CaptureClient` starts), capture_binary.py (starts it only for an emulator's
base_url), responses/desktop.py (the endpoints it calls with the client token).

Worlds (worlds.py): every capture session and every rtstream plays a world of its own, so one
emulator serves a standup, a support call and a camera at once. A capture session plays the
world set with `emu.set_world(w, session_id=...)` (while 'created'), else its
`metadata["emulator_world"]`, else its end user's (`emu.set_world(w, end_user_id=...)`: a fleet),
else `Emulator(scenario=...)`; `coll.connect_rtstream(url)` plays the camera world 'cctv' (the
live track its name or URL names: entrance, parking_lot) unless `Emulator(stream_scenario=...)`
says otherwise. Shipped worlds: standup, support_call, dev_screen, cctv, burst; a recording
made with `record_to=` is a world too (recorded.py says what it holds and lacks).
`emu.world_of(id)` names what plays where. Worlds load once and are shared; ids follow the seed.

Choices where VideoDB's docs leave room (each also noted where it is implemented):
- Where a pipeline's frames go: its own `ws_connection_id`; else its capture session's
  `ws_connection_id` (so `start_transcript()` without one, as in VideoDB's capture events page,
  https://docs.videodb.io/pages/ingest/capture-sdks/realtime-context, still streams); else
  nowhere. REST reads (`get_transcript`, `get_scenes`, `list_alerts`) fill either way. Calling
  `start_transcript(ws_connection_id=new)` again retargets a running transcript in place.
- The visual index channel is named per scenario (`visual_channel`): `scene_index` in standup,
  as the doc's channel table and Quick Example have it; `visual_index` in burst, as the doc's
  example frame has it. Consumers should accept both.
- Speakers: the stream says who spoke (`mic:default` is the local user, `system_audio:default`
  the remote ones); transcript text carries the words only, as VideoDB's ASR sends them.
- Time (clock="scenario", the default): lifecycle webhooks are stamped created = EPOCH,
  starting +2 s, active +4 s (scenario time 0), stopping = active + the scenario's duration,
  stopped +2 s, exported +2 s, whatever the wall clock says. clock="wall": created when the
  session is created, starting and active when its capture starts, stopping when it is
  stopped (a connected rtstream's time 0 is when it connects); frames, records and windows
  shift with it, ids and texts do not. start_capture / stop_capture (and the capture binary's
  start / stop) make their transitions at once; the export then takes 2 scenario seconds
  (session.export() answers 'exporting' until then). REST records and query parameters are
  epoch seconds; WebSocket frames carry epoch ms.
- Media: every playable window is `{base_url}/media/rtstream/{id}/{start_us}-{end_us}.m3u8`
  (`schema.media`); exports, alert webhooks, generate_stream and shots answer such URLs.
- Alerts: `create_alert` on an index fires when the event's label matches (case-insensitive)
  an alert cue of the scenario on that index's track: an `alert` frame and an alert webhook
  (`payloads.alert`) to a non-empty `callback_url`; `list_alerts` shows the alert, not its firings.
- Understanding (`rtstream.understand`) plays the screen track's visual cues as its VLM output,
  one record per window, and sends them as the scenario's visual channel frames; an index of
  it (`rtstream.index`) holds those records for search and alerts.
- Search ranks (relevance.py, BM25) what an rtstream's indexes and transcript produced so far.
- An exported video holds what was captured: the scenario time played between start_capture and
  stop_capture, at most its world's length (all of it at speed "max"), on either clock. It answers
  get/update/delete, generate_stream, its transcript (generated on first read, as VideoDB's docs
  say), index_spoken_words, scene indexes, Search V2 and legacy search (BM25, relevance.py),
  compile of shots into one stream; collections can be created, updated and deleted. Uploads, generation, dubbing and editing
  answer 404 "run this against VideoDB itself" (docs/emulator_coverage.md lists every method).
- The WebSocket URL carries a ticket (`wst-...`), never the API key; `reset` voids tickets.
- A pipeline stopped and started again resumes where it stopped; a new one starts at time 0.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import ApiError
    from .faults import Faults
    from .scenario import Scenario, available
    from .server import Emulator

__all__ = ["ApiError", "Emulator", "Faults", "Scenario", "available"]
#: Where each public name lives. Imported on first use: the capture stand-in
#: (`python -m vdb_notebook.emulator.capture_client`, one process per desktop client) runs
#: inside this package and must not load the server, aiohttp and the SDK.
_HOMES = {"ApiError": ".errors", "Emulator": ".server", "Faults": ".faults",
          "Scenario": ".scenario", "available": ".scenario"}


def __getattr__(name: str) -> Any:
    if name == "EMULATOR_KEY":
        raise AttributeError("EMULATOR_KEY is gone: each Emulator generates its own key; read it "
                             "as emu.api_key, or choose one with Emulator(api_key=...)")
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

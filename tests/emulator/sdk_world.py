"""A finished offline meeting for the coverage test to call every SDK method on.

Built once per module with the real `videodb` SDK against the emulator at speed "max": a capture
session whose transcripts, audio and visual indexes, an understanding with its index, and alerts
have all played to the end; a second session stopped and exported; connected rtstreams, some
stopped and exported. Every HTTP call the SDK makes is recorded (method and path, ids replaced
by their kind) so the coverage document can say which call each method makes.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import videodb

from vdb_notebook.emulator import Emulator

#: Ids in paths -> the name the coverage document shows instead.
ID_KINDS = [(re.compile(rf"(?<=/){prefix}-[0-9a-f]{{12}}"), name) for prefix, name in (
    ("cap", "{session_id}"), ("rts", "{rtstream_id}"), ("rti", "{scene_index_id}"),
    ("idx", "{index_id}"), ("und", "{understanding_id}"), ("alert", "{alert_id}"), ("m", "{video_id}"),
    ("c", "{collection_id}"))] + [(re.compile(r"(?<=/)[0-9a-f]{16}$"), "{video_scene_index_id}")]


def wait_for(fetch: Callable[[], Any], until: Callable[[Any], bool] = bool, timeout: float = 20.0) -> Any:
    """Poll `fetch()` until `until(value)`; the value (a guard against hanging, not a timing test)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        time.sleep(0.01)


def path_of(url: str) -> str:
    path = urlsplit(url).path
    for pattern, name in ID_KINDS:
        path = pattern.sub(name, path)
    return path


@dataclass
class World:
    emu: Emulator
    conn: Any
    on_call: Callable[[str], None] = lambda call: None  # told "GET /collection/default" per request
    things: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.things[name]
        except KeyError:
            raise AttributeError(name) from None

    def record(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.on_call(f"{response.request.method} {path_of(response.request.url)}")

    def idle(self) -> None:
        """Until every pipeline has played to its end."""
        wait_for(self.emu.state, lambda s: not any(p["running"] for p in s["pipelines"].values()))

    def connected_stream(self, name: str, *, stopped: bool = False, exported: bool = False) -> Any:
        rts = self.coll.connect_rtstream(url=f"rtsp://127.0.0.1:8554/{name}", name=name,
                                         media_types=["video", "audio"], store=True)
        if stopped or exported:
            rts.stop()
        if exported:
            self.things.setdefault("exports", []).append(rts.export())
        return rts


def build(emu: Emulator) -> World:
    conn = videodb.connect(api_key=emu.api_key, base_url=emu.base_url)
    world = World(emu, conn)
    world.things["coll"] = conn.get_collection()
    ws = conn.connect_websocket()
    session = conn.create_capture_session(end_user_id="user_abc", metadata={"team": "orbit"})
    emu.start_capture(session.id)
    session = world.things["session"] = conn.get_capture_session(session.id)
    mic, system, screen = (session.get_rtstream(c)[0] for c in ("mic", "system_audio", "screen"))
    world.things.update(mic=mic, system=system, screen=screen, ws_url=ws.url)
    mic.start_transcript()
    system.start_transcript()
    world.things["audio_index"] = system.index_audio(prompt="Extract key decisions",
                                                     batch_config={"type": "time", "value": 30})
    world.things["visual_index"] = screen.index_visuals(prompt="Describe what is on screen",
                                                        batch_config={"type": "time", "value": 5, "frame_count": 2})
    understanding = world.things["understanding"] = screen.understand(
        segmentation={"type": "time", "window": "10s"},
        analyzers=[{"type": "vlm", "name": "scene", "sampling": {"frame_count": 2},
                    "config": {"prompt": "Describe what is on screen"}}])
    world.things["index"] = screen.index(source=understanding.outputs["scene"], name="screen_search")
    event = world.things["event_id"] = conn.create_event(
        event_prompt="Someone reads out a card number or a password", label="sensitive_content")
    world.things["alert_id"] = world.audio_index.create_alert(event, callback_url="")
    world.idle()
    done = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(done.id)
    emu.stop_capture(done.id)
    world.things["exported"] = wait_for(lambda: conn.get_capture_session(done.id),
                                        lambda s: s.status == "exported")
    for name in ("cam-a", "cam-b", "cam-c"):
        world.connected_stream(name, exported=True)
    conn.session.hooks["response"].append(world.record)  # from here on, what methods call
    return world

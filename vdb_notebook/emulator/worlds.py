"""Which world (scenario) plays where: each capture session and each connected rtstream has its own.

- A capture session plays, first match wins: the world set for it (`emu.set_world(w,
  session_id=...)`, while it is still 'created'); the world of its `metadata["emulator_world"]`
  (a shipped name, or a world this emulator loaded already: a remote caller cannot make it read
  files); the world set for its end user (`emu.set_world(w, end_user_id=...)`, what a fleet of
  sessions uses); else the emulator's default (`Emulator(scenario=...)`, `vn.connect(scenario=...)`).
- A connected rtstream (`coll.connect_rtstream(url)`) plays the stream world: "cctv", a camera
  on an entrance and a parking lot, unless `Emulator(stream_scenario=...)` names another; when
  the default world is a file of your own (a scenario or a recording), that file is the stream
  world too. Which of the world's live tracks it plays follows its name or URL
  (`Scenario.live_track`).

Worlds are loaded once and shared, so a thousand sessions of one world cost one parse.

    >>> worlds = Worlds("standup")
    >>> worlds.default.name, worlds.streams.name
    ('standup', 'cctv')
    >>> worlds.set("support_call", end_user_id="agent-7")
    Scenario('support_call')
    >>> worlds.for_session("cap-1", "agent-7", {}).name, worlds.for_session("cap-2", "bob", {}).name
    ('support_call', 'standup')
    >>> worlds.for_session("cap-3", "bob", {"emulator_world": "dev_screen"}).name
    'dev_screen'
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import BadRequest
from .scenario import Scenario, available, is_shipped

#: the session metadata key that picks a session's world
METADATA_KEY = "emulator_world"
#: what a connected rtstream plays unless told otherwise
CAMERA_WORLD = "cctv"

WorldLike = str | Path | Scenario


class Worlds:
    """The loaded worlds, the default ones, and which session or end user plays which."""

    def __init__(self, default: WorldLike = "standup", streams: WorldLike | None = None) -> None:
        self._loaded: dict[str, Scenario] = {}
        self.default = self.load(default)
        if streams is None:
            streams = CAMERA_WORLD if is_shipped(default) else self.default
        self.streams = self.load(streams)
        self._by_session: dict[str, Scenario] = {}
        self._by_user: dict[str, Scenario] = {}

    def load(self, world: WorldLike) -> Scenario:
        """A world by shipped name, scenario or recording path, or as given; loaded once."""
        if isinstance(world, Scenario):
            return self._loaded.setdefault(world.source, world)
        key = str(world)
        if key not in self._loaded:
            scenario = Scenario.load(world)
            self._loaded[key] = self._loaded.setdefault(scenario.source, scenario)
        return self._loaded[key]

    def set(self, world: WorldLike, *, session_id: str | None = None, end_user_id: str | None = None) -> Scenario:
        """Play `world` in the session `session_id`, or in every later session of `end_user_id`."""
        if (session_id is None) == (end_user_id is None):
            raise ValueError("name one of session_id= or end_user_id=")
        scenario = self.load(world)
        if session_id is not None:
            self._by_session[session_id] = scenario
        else:
            self._by_user[str(end_user_id)] = scenario
        return scenario

    def for_session(self, session_id: str, end_user_id: str, metadata: dict[str, Any]) -> Scenario:
        """The world a capture session plays (the order is in the module docstring)."""
        if session_id in self._by_session:
            return self._by_session[session_id]
        named = metadata.get(METADATA_KEY)
        if named is not None:
            return self._named(named)
        return self._by_user.get(end_user_id, self.default)

    def _named(self, name: Any) -> Scenario:
        """A world a request names: a shipped one, or one already loaded here (never a new path)."""
        if isinstance(name, str) and (is_shipped(name) or name in self._loaded):
            return self.load(name)
        loaded = sorted({s.name for s in self._loaded.values()})
        raise BadRequest(f"metadata {METADATA_KEY}={name!r} is not a world here; use one of "
                         f"{sorted(set(available()) | set(loaded))}")

    def forget_assignments(self) -> None:
        """Drop per-session and per-user choices (the emulator's reset); loaded worlds stay."""
        self._by_session.clear()
        self._by_user.clear()

    def assignments(self) -> dict[str, dict[str, str]]:
        """Who plays what, for the control plane's state snapshot."""
        return {"sessions": {k: v.name for k, v in self._by_session.items()},
                "end_users": {k: v.name for k, v in self._by_user.items()}}


__all__ = ["CAMERA_WORLD", "METADATA_KEY", "Worlds"]

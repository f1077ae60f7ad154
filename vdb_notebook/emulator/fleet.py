"""A fleet: N end users capturing at once, each session in a world of its own, with its streams
and alerts, driven through the real `videodb` SDK as N desktop clients and their backend would.

    >>> with Emulator(speed="max", seed=0) as emu:                              # doctest: +SKIP
    ...     fleet = emu.start_fleet(4, ws_connection_id=ws_id, callback_urls=[rx1.url, rx2.url])
    ...     fleet
    Fleet of 4 sessions (seed 0): 1 cctv, 1 dev_screen, 1 standup, 1 support_call

Per session (`start_fleet`): its world set for its end user (`emu.set_world(world,
end_user_id="user-000")`: a shipped name or a recording), `create_capture_session(end_user_id=
"user-000", callback_url=..., ws_connection_id=...)`, its capture started (the desktop client's part), then on each audio rtstream a transcript and an audio index, on the screen a
visual index, and on every index one alert per label its world's monitoring team watches for
(`WATCH`), alert webhooks to the same callback_url. Lifecycle webhooks go to the session's
callback_url: session i gets `callback_urls[i % len(callback_urls)]`, so four receivers behind a
load balancer each serve a quarter of the fleet.

Worlds are mixed by seed: the shipped worlds in turn, shuffled by `random.Random(seed)`, so the
same seed gives the same users, worlds and (the emulator's seed the same) the same ids.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import videodb

if TYPE_CHECKING:
    from .server import Emulator

#: the worlds a fleet mixes unless told otherwise: a team's desktops, agents and a camera
FLEET_WORLDS = ("standup", "support_call", "dev_screen", "cctv")
#: what each world's monitoring team watches for: label -> event prompt (prompts that fire there)
WATCH: dict[str, dict[str, str]] = {
    "standup": {"sensitive_content": "Someone reads out a password or a payment card number",
                "decision": "A decision is made or a task gets an owner and a deadline"},
    "support_call": {"sensitive_content": "Someone reads out a card number or a password",
                     "escalation": "An angry customer demands a supervisor"},
    "dev_screen": {"secret_exposed": "A secret, API key or password is shown on screen",
                   "test_failure": "A test fails"},
    "cctv": {"intrusion": "Detect breaking and entering or forced entry.",
             "suspicious_vehicle": "Detect parked vehicle loitering."},
}
AUDIO_PROMPT = "Summarise what is said: topics, decisions, owners."
VISUAL_PROMPT = "Describe what is on screen and any change of activity."
SCREEN_NAMES = ("display", "screen", "video")


@dataclass
class FleetSession:
    """One end user's capture session in a fleet."""

    end_user_id: str
    world: str
    session_id: str = ""
    callback_url: str = ""
    rtstream_ids: list[str] = field(default_factory=list)
    alert_ids: list[str] = field(default_factory=list)


@dataclass
class Fleet:
    """The sessions `start_fleet` started; `stop()` stops their capture (exports follow)."""

    emulator: Emulator
    seed: int
    sessions: list[FleetSession]

    def session_of(self, rtstream_id: str) -> FleetSession:
        """The session whose capture opened `rtstream_id` (a KeyError for any other)."""
        for session in self.sessions:
            if rtstream_id in session.rtstream_ids:
                return session
        raise KeyError(f"rtstream {rtstream_id} belongs to no session of this fleet")

    def stop(self) -> Fleet:
        """Stop every session still capturing (stopping -> stopped -> exported follow)."""
        status = self.statuses()
        for session in self.sessions:
            if status[session.session_id] == "active":
                self.emulator.stop_capture(session.session_id)
        return self

    def statuses(self) -> dict[str, str]:
        """Each session's status now, by session id."""
        mine = {s.session_id for s in self.sessions}
        return {s["session_id"]: s["status"] for s in self.emulator.state()["sessions"] if s["session_id"] in mine}

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for session in self.sessions:
            counts[session.world] = counts.get(session.world, 0) + 1
        mix = ", ".join(f"{n} {world}" for world, n in sorted(counts.items()))
        return f"Fleet of {len(self.sessions)} sessions (seed {self.seed}): {mix}"


def plan(n: int, *, worlds: Sequence[str] = FLEET_WORLDS, seed: int = 0,
         callback_urls: Sequence[str] = (), prefix: str = "user-") -> list[FleetSession]:
    """Who captures what: `n` end users, the worlds in turn, shuffled by `seed`.

        >>> [(s.end_user_id, s.world) for s in plan(3, worlds=["standup", "cctv"], seed=1)]
        [('user-000', 'cctv'), ('user-001', 'standup'), ('user-002', 'standup')]
        >>> plan(2, callback_urls=["http://a/", "http://b/"])[1].callback_url
        'http://b/'
    """
    if n < 1:
        raise ValueError(f"a fleet needs at least one session, not n={n}")
    if not worlds:
        raise ValueError("worlds is empty: name at least one world, e.g. ['standup', 'cctv']")
    turns = [worlds[i % len(worlds)] for i in range(n)]
    random.Random(f"fleet:{seed}").shuffle(turns)
    urls = list(callback_urls) or [""]
    return [FleetSession(f"{prefix}{i:03d}", world, callback_url=urls[i % len(urls)])
            for i, world in enumerate(turns)]


def start_fleet(emu: Emulator, n: int, *, worlds: Sequence[str] = FLEET_WORLDS,
                seed: int | None = None, callback_urls: Sequence[str] = (),
                ws_connection_id: str | None = None, alerts: bool = True,
                prefix: str = "user-") -> Fleet:
    """Start `n` capture sessions on `emu` through the SDK (the module docstring says what each
    gets); `seed` mixes the worlds (the emulator's seed by default). The running `Fleet`."""
    seed = emu.seed if seed is None else seed
    sessions = plan(n, worlds=worlds, seed=seed, callback_urls=callback_urls, prefix=prefix)
    for session in sessions:  # every world loads (or fails) before any session starts
        emu.set_world(session.world, end_user_id=session.end_user_id)
    conn = emu.connect()
    events: dict[tuple[str, str], str] = {}
    for session in sessions:
        _start_session(emu, conn, session, ws_connection_id, events if alerts else None)
    return Fleet(emu, seed, sessions)


def _start_session(emu: Emulator, conn: videodb.client.Connection, session: FleetSession,
                   ws_id: str | None, events: dict[tuple[str, str], str] | None) -> None:
    """Create and start one session, then its pipelines and alerts."""
    created = conn.create_capture_session(end_user_id=session.end_user_id, callback_url=session.callback_url,
                                          ws_connection_id=ws_id)
    session.session_id = created.id
    emu.start_capture(created.id)
    for rts in conn.get_capture_session(created.id).rtstreams:
        session.rtstream_ids.append(rts.id)
        index = _start_pipelines(rts, ws_id)
        if events is not None:
            for label, prompt in WATCH.get(session.world, {}).items():
                event_id = events.get((label, prompt)) or conn.create_event(event_prompt=prompt, label=label)
                events[(label, prompt)] = event_id
                session.alert_ids.append(index.create_alert(event_id, callback_url=session.callback_url,
                                                            ws_connection_id=ws_id))


def _start_pipelines(rts: Any, ws_id: str | None) -> Any:
    """A screen gets a visual index; an audio stream a transcript and an audio index. The index."""
    if rts.name.split(":", 1)[0].lower() in SCREEN_NAMES:
        return rts.index_visuals(prompt=VISUAL_PROMPT, ws_connection_id=ws_id, name="fleet visual_index")
    rts.start_transcript(ws_connection_id=ws_id)
    return rts.index_audio(prompt=AUDIO_PROMPT, ws_connection_id=ws_id, name="fleet audio_index")


__all__ = ["FLEET_WORLDS", "WATCH", "Fleet", "FleetSession", "plan", "start_fleet"]

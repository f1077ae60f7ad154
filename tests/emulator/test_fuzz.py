"""Fuzzing the emulator's request bodies over real HTTP: random bytes and JSON objects with the
fields its routes read (and any values) never get a 5xx, and the emulator keeps answering."""
from __future__ import annotations

import json
import os

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vdb_notebook.emulator import Emulator

# FUZZ_EXAMPLES=5000 for a longer, randomised run (CI runs the fixed 120)
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 120)), deadline=None,
                derandomize=not os.environ.get("FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

FIELDS = ["action", "callback_url", "end_user_id", "event_id", "event_prompt", "expires_in",
          "extraction_config", "extraction_type", "label", "message", "metadata", "name",
          "prompt", "speed", "video_channel_id", "ws_connection_id", "engine"]
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["", "\ud83d", "http://127.0.0.1:1/x", "start", "stop", "max", "ftp://x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12)
objects = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)


@pytest.fixture(scope="module")
def world():
    """A running emulator with one session, rtstream, index, event and alert to aim at."""
    with Emulator(speed="max") as emu:
        conn = emu.connect()
        session = conn.create_capture_session(end_user_id="u")
        emu.start_capture(session.id)
        rts = conn.get_capture_session(session.id).get_rtstream("screen")[0]
        index = rts.index_visuals(prompt="p", batch_config={"type": "time", "value": 5, "frame_count": 1})
        event_id = conn.create_event(event_prompt="p", label="l")
        alert_id = index.create_alert(event_id, callback_url="")
        ids = {"sid": session.id, "rid": rts.id, "idx": index.rtstream_index_id, "aid": alert_id}
        yield emu, ids


ROUTES = [
    ("POST", "collection/default/capture/session"),
    ("POST", "collection/default/capture/session/{sid}/export"),
    ("POST", "capture/session/token"),
    ("POST", "rtstream/event"),
    ("PATCH", "rtstream/{rid}/status"),
    ("POST", "rtstream/{rid}/transcription"),
    ("POST", "rtstream/{rid}/index/scene"),
    ("PATCH", "rtstream/{rid}/index/scene/{idx}/status"),
    ("POST", "rtstream/{rid}/index/{idx}/alert"),
    ("PATCH", "rtstream/{rid}/index/{idx}/alert/{aid}/status"),
    ("POST", "_emulator/speed"),
    ("POST", "_emulator/capture/{sid}/fail"),
]
routes = st.sampled_from(ROUTES)


def send(world, route, body: bytes) -> int:
    emu, ids = world
    method, path = route
    answer = requests.request(method, f"{emu.base_url}/{path.format(**ids)}", data=body, timeout=30,
                              headers={"x-access-token": emu.api_key,
                                       "Content-Type": "application/json"})
    assert answer.status_code < 500, (route, body[:200], answer.text[:300])
    assert answer.json()["success"] in (True, False)  # always the SDK's envelope
    return answer.status_code


@FUZZ
@given(route=routes, body=st.binary(max_size=512))
def test_random_bytes(world, route, body):
    send(world, route, body)


@FUZZ
@given(route=routes, body=objects)
def test_json_objects_with_the_fields_routes_read(world, route, body):
    send(world, route, json.dumps(body).encode())


@FUZZ
@given(route=routes, depth=st.integers(1, 3000))
def test_json_of_any_depth(world, route, depth):
    send(world, route, ('{"metadata":' + "[" * depth + "]" * depth + "}").encode())


def test_after_the_fuzzing_the_emulator_still_answers(world):
    emu, _ = world
    assert emu.state()["scenario"] == "standup"
    assert emu.connect().create_capture_session(end_user_id="after").id

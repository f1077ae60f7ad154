"""The emulator's REST API, driven by the real, unmodified videodb SDK over real HTTP.

Every SDK call of VIDEODB_FACTS.md's endpoint table, the capture lifecycle, and the error
answers (401 / 400 / 404 / 405 / 409) as the SDK surfaces them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests
import videodb
from videodb.exceptions import AuthenticationError, InvalidRequestError

from vdb_notebook.emulator.state import Conflict
from vdb_notebook.schema import payloads

sys.path.insert(0, str(Path(__file__).parent))
from sdk_world import wait_for


@pytest.fixture
def conn(emu):
    return videodb.connect(api_key=emu.api_key, base_url=emu.base_url)


def active_session(emu, conn, **kw):
    session = conn.create_capture_session(end_user_id="user_abc", **kw)
    emu.start_capture(session.id)
    return conn.get_capture_session(session.id)


# --- collection, tokens, websocket url -------------------------------------------------------
def test_get_collection_and_client_token_and_websocket_url(conn, emu):
    coll = conn.get_collection()
    assert (coll.id, coll.name) == ("default", "Default Collection")
    assert conn.generate_client_token(expires_in=600).startswith("ct-")
    ws = conn.connect_websocket()
    assert ws.url.startswith(emu.base_url.replace("http", "ws") + "/ws?token=wst-")
    assert emu.api_key not in ws.url


def test_unknown_collection_is_404_with_a_message(conn):
    with pytest.raises(InvalidRequestError, match="collection 'nope' not found"):
        conn.get_collection("nope")


# --- capture sessions -----------------------------------------------------------------------
def test_create_capture_session_yields_created(conn):
    session = conn.create_capture_session(end_user_id="user_abc", callback_url="http://x/hook",
                                          metadata={"team": "orbit"})
    assert session.id.startswith("cap-")
    assert (session.status, session.end_user_id, session.callback_url) == ("created", "user_abc", "http://x/hook")
    assert session.metadata == {"team": "orbit"} and session.rtstreams == []


def test_lifecycle_created_active_exported_as_the_sdk_sees_it(emu, conn):
    session = conn.create_capture_session(end_user_id="user_abc")
    assert emu.start_capture(session.id)["status"] == "active"
    cap = conn.get_capture_session(session.id)
    assert cap.status == "active"
    assert [r.name for r in cap.rtstreams] == ["mic:default", "system_audio:default", "display:1"]
    assert [r.id[:4] for r in cap.rtstreams] == ["rts-"] * 3  # the SDK renamed rtstream_id -> id
    assert [len(cap.get_rtstream(c)) for c in ("mic", "screen", "system_audio")] == [1, 1, 1]
    assert [(c.id, c.name, c.is_primary) for c in cap.channels] == [
        ("mic:default", "Default Microphone", False), ("system_audio:default", "System Audio", False),
        ("display:1", "Built-in Display", True)]
    assert [d.id for d in cap.displays] == ["display:1"] == [cap.primary_video_channel_id]
    assert emu.stop_capture(session.id)["status"] == "stopped"
    done = wait_for(lambda: conn.get_capture_session(session.id), lambda s: s.status == "exported")
    assert done.export_status == "exported" and done.exported_video_id.startswith("m-")
    assert all(r.status == "stopped" for r in done.rtstreams)
    export = done.export()
    assert export["export_status"] == "exported" and export["video_id"] == done.exported_video_id
    assert export["video_channel_id"] == "display:1"


def test_fail_capture_records_the_error(emu, conn):
    session = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(session.id)
    failed = emu.fail_capture(session.id, "screen permission denied")
    assert failed["status"] == "failed" and "error" not in failed  # the error goes in the webhook
    assert conn.get_capture_session(session.id).status == "failed"


def test_list_capture_sessions_filters_by_status(emu, conn):
    first = conn.create_capture_session(end_user_id="a")
    second = conn.create_capture_session(end_user_id="b")
    emu.start_capture(second.id)
    assert [s.id for s in conn.list_capture_sessions()] == [first.id, second.id]
    active = conn.list_capture_sessions(status="active")
    assert [s.id for s in active] == [second.id] and len(active[0].rtstreams) == 3
    assert conn.list_capture_sessions(status="exported") == []


def test_illegal_transitions_answer_409_with_what_is_allowed(emu, conn):
    session = conn.create_capture_session(end_user_id="user_abc")
    response = requests.post(f"{emu.base_url}/_emulator/capture/{session.id}/stop",
                             headers={"x-access-token": emu.api_key})
    assert response.status_code == 409 and "needs an 'active' session" in response.json()["message"]
    emu.start_capture(session.id)
    with pytest.raises(Conflict, match="start_capture needs a 'created' session"):
        emu.start_capture(session.id)
    with pytest.raises(InvalidRequestError, match="can be exported once stopped"):
        conn.get_capture_session(session.id).export()


# --- rtstreams, transcripts, indexes, events, alerts ---------------------------------------
def test_rtstream_get_list_start_stop(emu, conn):
    cap = active_session(emu, conn)
    coll = conn.get_collection()
    mic = coll.get_rtstream(cap.rtstreams[0].id)
    assert (mic.name, mic.channel_id, mic.status) == ("mic:default", "mic", "connected")
    assert [r.id for r in coll.list_rtstreams()] == [r.id for r in cap.rtstreams]
    assert [r.name for r in coll.list_rtstreams(name="display")] == ["display:1"]
    mic.stop()
    assert coll.get_rtstream(mic.id).status == "stopped"
    with pytest.raises(InvalidRequestError, match="needs a connected rtstream"):
        mic.start_transcript()
    mic.start()
    assert coll.get_rtstream(mic.id).status == "connected"


def test_transcript_start_stop_and_get_transcript(emu, conn):
    cap = active_session(emu, conn)
    mic = cap.get_rtstream("mic")[0]
    started = mic.start_transcript(engine="assemblyai")
    assert started == {"status": "running", "engine": "assemblyai", "updated_at": "2026-01-20T12:35:00Z"}
    lines = len(emu.scenario.tracks["mic"]["transcript"])
    page = wait_for(lambda: mic.get_transcript(page_size=1000), lambda p: p["total_count"] == lines)
    records = page["transcription_records"]
    assert records[0] == {"start": payloads.EPOCH.timestamp() + 4 + 2, "end": payloads.EPOCH.timestamp() + 4 + 6.5,
                          "text": "Morning, both. Let's keep this to five minutes, we've got the 2.4 release to land."}
    assert (page["page"], page["page_size"], page["next_page"]) == (1, 1000, False)
    first_two = mic.get_transcript(page=1, page_size=2)
    assert len(first_two["transcription_records"]) == 2 and first_two["next_page"] is True
    since = mic.get_transcript(since=records[-2]["start"])
    assert since["transcription_records"] == records[-1:]
    window = mic.get_transcript(start=records[1]["start"], end=records[2]["start"])
    assert window["transcription_records"] == records[1:3]  # seconds, overlapping the window
    assert mic.stop_transcript()["status"] == "stopped"
    with pytest.raises(InvalidRequestError, match="page_size must be a whole number"):
        conn.get(f"rtstream/{mic.id}/transcription", params={"page_size": "lots"})


def test_index_audio_and_visuals_list_get_scenes_start_stop(emu, conn):
    cap = active_session(emu, conn)
    audio = cap.get_rtstream("system_audio")[0].index_audio(
        prompt="Extract key decisions", batch_config={"type": "time", "value": 30})
    screen = cap.get_rtstream("screen")[0]
    visual = screen.index_visuals(prompt="Describe what user is doing",
                                  batch_config={"type": "time", "value": 5, "frame_count": 2})
    assert audio.extraction_type == "transcript" and visual.extraction_type == "time"
    assert audio.rtstream_index_id.startswith("rti-") and visual.status == "running"
    assert [i.rtstream_index_id for i in screen.list_scene_indexes()] == [visual.rtstream_index_id]
    assert screen.get_scene_index(visual.rtstream_index_id).prompt == "Describe what user is doing"
    tracks = emu.scenario.tracks
    scenes = wait_for(lambda: visual.get_scenes(page_size=100)["scenes"],
                      lambda s: len(s) == len(tracks["display"]["visual_index"]))
    assert set(scenes[0]) == {"start", "end", "description"} and scenes[0]["start"] > 1e9  # epoch seconds
    texts = " ".join(s["description"] for s in scenes)
    for thing in ("Jira board", "Slack", "VS Code", "Slide deck"):
        assert thing in texts
    wait_for(lambda: audio.get_scenes()["scenes"], lambda s: len(s) == len(tracks["system_audio"]["audio_index"]))
    visual.stop()
    assert screen.get_scene_index(visual.rtstream_index_id).status == "stopped"
    visual.start()
    assert screen.get_scene_index(visual.rtstream_index_id).status == "running"
    with pytest.raises(InvalidRequestError, match="needs an rtstream with audio; display:1 carries"):
        screen.index_audio(prompt="what is said")


def test_alerts_fire_where_their_prompt_matches(emu, conn):
    cap = active_session(emu, conn)
    index = cap.get_rtstream("system_audio")[0].index_audio(prompt="Watch for secrets")
    sensitive = conn.create_event(event_prompt="Someone reads out card numbers or passwords",
                                  label="sensitive_content")
    other = conn.create_event(event_prompt="Someone mentions lunch", label="lunch")
    assert [e["label"] for e in conn.list_events()] == ["sensitive_content", "lunch"]
    hit = index.create_alert(sensitive, callback_url="")
    miss = index.create_alert(other, callback_url="")
    fired = wait_for(lambda: emu.state()["alerts"], lambda a: a[hit]["fired"])
    assert (fired[hit]["fired"], fired[miss]["fired"]) == (1, 0)
    alerts = index.list_alerts()
    assert alerts == [  # as openapi.yaml and the cookbook show them: with the prompt, no firing record
        {"alert_id": hit, "event_id": sensitive, "prompt": "Someone reads out card numbers or passwords",
         "label": "sensitive_content", "callback_url": "", "status": "enabled"},
        {"alert_id": miss, "event_id": other, "prompt": "Someone mentions lunch", "label": "lunch",
         "callback_url": "", "status": "enabled"}]
    index.disable_alert(hit)
    assert {a["alert_id"]: a["status"] for a in index.list_alerts()}[hit] == "disabled"
    index.enable_alert(hit)
    assert {a["alert_id"]: a["status"] for a in index.list_alerts()}[hit] == "enabled"


def test_create_alert_needs_a_known_event_and_a_callback_url(emu, conn):
    cap = active_session(emu, conn)
    index = cap.get_rtstream("mic")[0].index_audio(prompt="decisions")
    with pytest.raises(InvalidRequestError, match="event_id 'event-nope' is unknown"):
        index.create_alert("event-nope", callback_url="")
    event = conn.create_event(event_prompt="a decision is made", label="decision")
    with pytest.raises(InvalidRequestError, match="callback_url is required"):
        conn.post(f"rtstream/{index.rtstream_id}/index/{index.rtstream_index_id}/alert",
                  data={"event_id": event})


# --- error answers ----------------------------------------------------------------------------
def test_wrong_or_missing_key_is_401_authentication_error(emu):
    bad = videodb.connect(api_key="not-the-key", base_url=emu.base_url)
    with pytest.raises(AuthenticationError, match="x-access-token"):
        bad.get_collection()
    response = requests.get(f"{emu.base_url}/collection/default")
    assert response.status_code == 401 and response.json()["success"] is False


def test_unknown_ids_are_404_with_a_message(emu, conn):
    with pytest.raises(InvalidRequestError, match="capture session 'cap-nope' not found"):
        conn.get_capture_session("cap-nope")
    with pytest.raises(InvalidRequestError, match="rtstream 'rts-nope' not found"):
        conn.get_collection().get_rtstream("rts-nope")
    cap = active_session(emu, conn)
    with pytest.raises(InvalidRequestError, match="index 'rti-nope' not found"):
        cap.rtstreams[0].get_scene_index("rti-nope")
    response = requests.get(f"{emu.base_url}/no/such/thing", headers={"x-access-token": emu.api_key})
    assert response.status_code == 404 and "no such endpoint: GET /no/such/thing" in response.json()["message"]


def test_bad_bodies_are_400_with_a_message_the_sdk_surfaces(emu, conn):
    with pytest.raises(InvalidRequestError, match="end_user_id is required"):
        conn.create_capture_session(end_user_id="")
    with pytest.raises(InvalidRequestError, match="label is required"):
        conn.create_event(event_prompt="something", label="")
    cap = active_session(emu, conn)
    with pytest.raises(InvalidRequestError, match="extraction_type must be one of"):
        cap.rtstreams[0].index_scenes(extraction_type="vibes")
    with pytest.raises(InvalidRequestError, match="action must be one of"):
        conn.patch(f"rtstream/{cap.rtstreams[0].id}/status", data={"action": "explode"})
    headers = {"x-access-token": emu.api_key, "Content-Type": "application/json"}
    response = requests.post(f"{emu.base_url}/rtstream/event", data="{not json", headers=headers)
    assert response.status_code == 400 and "not JSON" in response.json()["message"]
    response = requests.post(f"{emu.base_url}/rtstream/event", json=[1, 2], headers=headers)
    assert response.status_code == 400 and "must be a JSON object" in response.json()["message"]


def test_wrong_method_is_405_and_trailing_slash_is_accepted(emu):
    headers = {"x-access-token": emu.api_key}
    response = requests.delete(f"{emu.base_url}/rtstream/event", headers=headers)
    assert response.status_code == 405 and "use GET or POST" in response.json()["message"]
    assert requests.get(f"{emu.base_url}/collection/default/", headers=headers).json()["data"]["id"] == "default"


def test_answers_never_say_processing(emu, conn):
    """The SDK polls any answer with status 'processing'; the emulator answers at once."""
    cap = active_session(emu, conn)
    headers = {"x-access-token": emu.api_key}
    for path in ("collection/default", f"collection/default/capture/session/{cap.id}",
                 f"rtstream/{cap.rtstreams[0].id}", f"rtstream/{cap.rtstreams[0].id}/transcription"):
        body = requests.get(f"{emu.base_url}/{path}", headers=headers).json()
        assert body["success"] is True and body.get("status") != "processing"


JUNK_BODIES = [None, {}, {"action": 1}, {"query": ["x"], "result_threshold": "ten", "score_threshold": "high"},
               {"segmentation": "10s", "analyzers": "vlm"}, {"source": "scene", "use_for": "semantic"},
               {"timeline": [[1, "2"]]}, {"name": 5, "media_types": "video", "url": 3, "sample_rate": -1},
               {"event_id": None, "callback_url": 7}, {"video_channel_id": 9, "connection_id": 9},
               {"extraction_type": "time", "prompt": {}, "ws_connection_id": 1}, {"expires_in": "soon"}]
JUNK_QUERIES = [{}, {"start": "yesterday", "end": "-1", "page": "0", "page_size": "x", "limit": "-5",
                     "segmenter": "paragraph", "output": "nope", "ordering": "size", "since": "nan"}]


def test_no_input_makes_any_api_route_answer_5xx(emu, conn):
    """Every API route of the table, with real ids in its path, fed junk bodies and queries."""
    from vdb_notebook.emulator import urls
    cap = active_session(emu, conn)
    screen = cap.get_rtstream("screen")[0]
    visual = screen.index_visuals(prompt="what is shown")
    und = screen.understand(segmentation={"type": "time", "window": "5s"}, analyzers=[{"type": "vlm", "name": "scene"}])
    index = screen.index(source=und.outputs["scene"])
    alert = visual.create_alert(conn.create_event(event_prompt="x", label="y"), callback_url="")
    done = conn.create_capture_session(end_user_id="u")
    emu.start_capture(done.id)
    emu.stop_capture(done.id)
    video = wait_for(lambda: conn.get_capture_session(done.id), lambda s: s.exported_video_id).exported_video_id
    ids = {"cid": "default", "sid": cap.id, "rid": screen.id, "idx": visual.rtstream_index_id, "aid": alert,
           "uid": und.id, "iid": index.id, "vid": video}
    headers, seen = {"x-access-token": emu.api_key}, set()
    for route in (r for r in urls.ROUTES if r.access == "api"):
        if route.method == "DELETE":
            continue  # would remove what the next routes use; covered by the coverage test
        url = f"{emu.base_url}/{route.path.format(**ids)}"
        for body in JUNK_BODIES:
            for query in JUNK_QUERIES:
                response = requests.request(route.method, url, json=body, params=query, headers=headers)
                assert response.status_code < 500, (route, body, query, response.text)
                assert response.json()["success"] is (response.status_code < 400)
                seen.add(response.status_code)
    assert {200, 400} <= seen  # the junk was read, and some of it refused

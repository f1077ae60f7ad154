"""One exercise per public method of the SDK's capture and rtstream classes that the emulator
answers: each calls the method through the real `videodb` SDK against `sdk_world.World` and
checks the answer's shape and state. test_coverage.py runs them and documents the result.
"""
from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from videodb import IndexType, SearchType
from videodb.exceptions import InvalidRequestError
from videodb.rtstream import RTStreamSearchResult
from videodb.search import SearchResponse, SearchResult

from vdb_notebook.emulator.scenario import Scenario
from vdb_notebook.schema import media, payloads

sys.path.insert(0, str(Path(__file__).parent))  # imported by test_coverage.py, or alone by --doctest-modules
from sdk_world import World

WS_CALL = "WebSocket /ws?token={ticket}"

EXERCISES: dict[str, Callable[[World], str | None]] = {}


def exercise(*names: str) -> Callable[[Callable[[World], str | None]], Callable[[World], str | None]]:
    """Register `fn(world)` as the exercise of `names`; it may return the non-HTTP traffic it made."""
    def register(fn: Callable[[World], str | None]) -> Callable[[World], str | None]:
        for name in names:
            EXERCISES[name] = fn
        return fn
    return register


def plays(player_url: str, embed_code: str) -> bool:
    """The iframe embeds the player (the SDK turns /watch?v= into /embed?v=)."""
    return f'src="{player_url.replace("/watch?", "/embed?", 1)}"' in embed_code


def window(url: str) -> tuple[str, float, float]:
    parsed = media.parse_stream_url(url)
    assert parsed is not None, f"{url!r} is not a media window URL"
    return parsed


@exercise("Connection.get_collection")
def _(w: World) -> None:
    coll = w.conn.get_collection()
    assert (coll.id, coll.name, coll.is_public) == ("default", "Default Collection", False)


@exercise("Connection.get_collections")
def _(w: World) -> None:
    assert [c.id for c in w.conn.get_collections()] == ["default"]


@exercise("Connection.connect_websocket")
def _(w: World) -> None:
    ws = w.conn.connect_websocket()
    assert ws.url.startswith(w.emu.base_url.replace("http", "ws") + "/ws?token=wst-") and ws.connection_id is None


@exercise("Connection.create_capture_session", "Collection.create_capture_session")
def _(w: World) -> None:
    for maker in (w.conn, w.coll):
        session = maker.create_capture_session(end_user_id="user_xyz", callback_url="http://127.0.0.1:9/hook",
                                                metadata={"k": "v"})
        assert (session.status, session.end_user_id, session.metadata, session.rtstreams) == (
            "created", "user_xyz", {"k": "v"}, [])


@exercise("Connection.get_capture_session", "Collection.get_capture_session")
def _(w: World) -> None:
    for maker in (w.conn, w.coll):
        session = maker.get_capture_session(w.session.id)
        assert session.status == "active" and [r.name for r in session.rtstreams] == [
            "mic:default", "system_audio:default", "display:1"]
        assert [c.id for c in session.channels] == ["mic:default", "system_audio:default", "display:1"]


@exercise("Connection.list_capture_sessions", "Collection.list_capture_sessions")
def _(w: World) -> None:
    for maker in (w.conn, w.coll):
        assert [s.id for s in maker.list_capture_sessions(status="exported")] == [w.exported.id]
        assert w.session.id in [s.id for s in maker.list_capture_sessions()]


@exercise("Connection.generate_client_token")
def _(w: World) -> None:
    assert w.conn.generate_client_token(expires_in=600).startswith("ct-")


@exercise("Connection.create_event", "Connection.list_events")
def _(w: World) -> None:
    event_id = w.conn.create_event(event_prompt="Someone says the word lunch", label="lunch")
    assert {"event_id": event_id, "event_prompt": "Someone says the word lunch", "label": "lunch"} in w.conn.list_events()


@exercise("Connection.get", "Connection.post", "Connection.patch", "Connection.delete")
def _(w: World) -> None:
    assert w.conn.get("collection/default")["id"] == "default"
    assert w.conn.post("rtstream/event", data={"event_prompt": "x", "label": "y"})["event_id"].startswith("event-")
    path = f"rtstream/{w.system.id}/index/scene/{w.audio_index.rtstream_index_id}/status"
    assert w.conn.patch(path, data={"action": "stop"})["status"] == "stopped"
    assert w.conn.patch(path, data={"action": "start"})["status"] == "running"
    with pytest.raises(InvalidRequestError, match="not found on rtstream"):  # the index is not the mic's
        w.conn.patch(path.replace(w.system.id, w.mic.id), data={"action": "stop"})
    video_id = w.exports[2].video_id
    w.conn.delete(f"video/{video_id}")
    with pytest.raises(InvalidRequestError, match="not found"):
        w.coll.get_video(video_id)


@exercise("Collection.connect_rtstream", "Collection.get_rtstream", "Collection.list_rtstreams")
def _(w: World) -> None:
    rts = w.coll.connect_rtstream(url="rtsp://127.0.0.1:8554/door", name="Front door", media_types=["video"])
    assert (rts.name, rts.status, rts.sample_rate) == ("Front door", "connected", 30)
    assert w.coll.get_rtstream(rts.id).name == "Front door"
    assert [r.id for r in w.coll.list_rtstreams(name="front door")] == [rts.id]
    every = w.coll.list_rtstreams(limit=100)
    assert len(every) >= 10 and [r.id for r in w.coll.list_rtstreams(limit=3, offset=2)] == [r.id for r in every[2:5]]
    rts.stop()


@exercise("Collection.search", "Collection.legacy_search", "RTStreamSearchResult.get_shots")
def _(w: World) -> None:
    for result in (w.coll.search("card number", namespace="rtstream"),
                   w.coll.legacy_search("card number", namespace="rtstream")):
        assert isinstance(result, RTStreamSearchResult)
        shots = result.get_shots()
        assert shots and "card number" in shots[0].text  # Maya's "don't read card numbers out" (stemmed) or Sofia's
        assert {s.rtstream_name for s in shots[:5]} >= {"system_audio:default", "display:1"}
        assert shots[0].search_score > 0 and shots[0].start > 1e9  # epoch seconds


@exercise("Collection.get_video", "Collection.get_videos", "Collection.delete_video")
def _(w: World) -> None:
    video = w.coll.get_video(w.exported.exported_video_id)
    assert video.length == w.emu.scenario.duration_s and window(video.stream_url)[0] == w.exported.get_rtstream("screen")[0].id
    assert video.id in [v.id for v in w.coll.get_videos()]
    w.coll.delete_video(w.exports[1].video_id)
    assert w.exports[1].video_id not in [v.id for v in w.coll.get_videos()]


@exercise("CaptureSession.displays", "CaptureSession.get_rtstream")
def _(w: World) -> None:
    assert [d.id for d in w.session.displays] == ["display:1"]
    assert [[r.name for r in w.session.get_rtstream(c)] for c in ("mic", "screen", "system_audio")] == [
        ["mic:default"], ["display:1"], ["system_audio:default"]]


@exercise("CaptureSession.export")
def _(w: World) -> None:
    done = w.exported.export()
    assert (done["export_status"], done["video_id"]) == ("exported", w.exported.exported_video_id)
    assert window(done["stream_url"])[0] == w.exported.get_rtstream("screen")[0].id
    with pytest.raises(InvalidRequestError, match="it can be exported once stopped"):
        w.session.export()


@exercise("RTStream.start", "RTStream.stop")
def _(w: World) -> None:
    rts = w.connected_stream("cam-start-stop")
    rts.stop()
    assert w.coll.get_rtstream(rts.id).status == "stopped"
    rts.start()
    assert w.coll.get_rtstream(rts.id).status == "connected"


@exercise("RTStream.export", "RTStreamExportResult.get_embed_code")
def _(w: World) -> None:
    rts = w.connected_stream("cam-export", stopped=True)
    result = rts.export(name="Door camera")
    assert (result.name, result.duration) == ("Door camera", Scenario.load("cctv").duration_s)  # a camera world
    assert window(result.stream_url)[0] == rts.id and result.player_url.startswith(f"{w.emu.base_url}/media/watch?v=")
    assert rts.export().video_id == result.video_id  # idempotent
    assert plays(result.player_url, result.get_embed_code())


@exercise("RTStream.generate_stream", "RTStream.get_embed_code")
def _(w: World) -> None:
    start = int(payloads.EPOCH.timestamp()) + 64  # a minute into the meeting
    player = w.screen.generate_stream(start, start + 30)
    assert player == w.screen.player_url and window(w.screen.stream_url) == (w.screen.id, start, start + 30)
    assert re.search(r"/(\d{16})-(\d{16})\.m3u8", w.screen.stream_url)  # the cookbook's parse
    assert plays(w.screen.player_url, w.screen.get_embed_code())


@exercise("RTStream.start_transcript", "RTStream.stop_transcript", "RTStream.get_transcript")
def _(w: World) -> None:
    assert w.mic.stop_transcript()["status"] == "stopped"
    assert w.mic.start_transcript()["status"] == "running"
    page = w.mic.get_transcript(page_size=5)
    assert page["total_count"] == len(w.emu.scenario.tracks["mic"]["transcript"]) and page["next_page"] is True
    assert set(page["transcription_records"][0]) == {"start", "end", "text"}


@exercise("RTStream.index_audio", "RTStream.index_spoken_words")
def _(w: World) -> None:
    audio = w.system.index_audio(prompt="Decisions", batch_config={"type": "time", "value": 30})
    words = w.mic.index_spoken_words(prompt="Summarise", segmenter="sentence", length=2)
    assert (audio.extraction_type, words.extraction_type, words.status) == ("transcript", "transcript", "running")


@exercise("RTStream.index_visuals", "RTStream.index_scenes")
def _(w: World) -> None:
    visual = w.screen.index_visuals(prompt="What is shown", batch_config={"type": "time", "value": 5, "frame_count": 2})
    scenes = w.screen.index_scenes()
    assert (visual.extraction_type, scenes.extraction_type, scenes.prompt) == ("time", "time", "Describe the scene")


@exercise("RTStream.list_scene_indexes", "RTStream.get_scene_index")
def _(w: World) -> None:
    ids = [i.rtstream_index_id for i in w.screen.list_scene_indexes()]
    assert w.visual_index.rtstream_index_id in ids
    assert w.screen.get_scene_index(w.visual_index.rtstream_index_id).prompt == "Describe what is on screen"


@exercise("RTStream.search")
def _(w: World) -> None:
    shots = w.screen.search("Jira board", index_id=w.visual_index.rtstream_index_id, result_threshold=2).shots
    assert 0 < len(shots) <= 2 and all(s.scene_index_id == w.visual_index.rtstream_index_id for s in shots)
    assert "Jira" in shots[0].text and shots[0].rtstream_name == "display:1"
    assert w.system.search("card number").shots[0].search_score >= w.system.search("card number").shots[-1].search_score


@exercise("RTStream.understand", "RTStream.get_understanding", "RTStream.list_understanding")
def _(w: World) -> None:
    und = w.screen.understand(segmentation={"type": "time", "window": "5s"},
                              analyzers=[{"type": "vlm", "name": "scene", "config": {"prompt": "Describe"}}])
    assert und.id.startswith("und-") and und.status == "running" and und.outputs["scene"]["understanding_id"] == und.id
    assert w.screen.get_understanding(und.id).id == und.id
    assert und.id in [u.id for u in w.screen.list_understanding()]
    with pytest.raises(InvalidRequestError, match="vision model"):
        w.mic.understand(segmentation={"type": "time", "window": "5s"}, analyzers=[{"type": "vlm", "name": "scene"}])


@exercise("RTStream.index", "RTStream.get_index", "RTStream.list_indexes")
def _(w: World) -> None:
    index = w.screen.index(source=w.understanding.outputs["scene"], name="again", use_for=["semantic"])
    assert (index.status, index.source_understanding_id, index.output) == ("running", w.understanding.id, "scene")
    assert w.screen.get_index(index.id).name == "again"
    assert index.id in [i.id for i in w.screen.list_indexes()]


@exercise("RTStreamSceneIndex.get_scenes")
def _(w: World) -> None:
    scenes = w.visual_index.get_scenes(page_size=3)
    assert len(scenes["scenes"]) == 3 and scenes["next_page"] is True
    assert set(scenes["scenes"][0]) == {"start", "end", "description"}


@exercise("RTStreamSceneIndex.start", "RTStreamSceneIndex.stop")
def _(w: World) -> None:
    index = w.visual_index
    index.stop()
    assert w.screen.get_scene_index(index.rtstream_index_id).status == "stopped"
    index.start()
    assert w.screen.get_scene_index(index.rtstream_index_id).status == "running"


@exercise("RTStreamSceneIndex.create_alert", "RTStreamSceneIndex.list_alerts",
          "RTStreamSceneIndex.enable_alert", "RTStreamSceneIndex.disable_alert")
def _(w: World) -> None:
    index = w.audio_index
    alert_id = index.create_alert(w.event_id, callback_url="")
    index.disable_alert(alert_id)
    listed = {a["alert_id"]: a for a in index.list_alerts()}
    assert listed[alert_id] == {"alert_id": alert_id, "event_id": w.event_id, "label": "sensitive_content",
                                "prompt": "Someone reads out a card number or a password",
                                "callback_url": "", "status": "disabled"}
    index.enable_alert(alert_id)
    assert {a["alert_id"]: a["status"] for a in index.list_alerts()}[alert_id] == "enabled"


@exercise("RTStreamShot.generate_stream", "RTStreamShot.get_embed_code", "RTStreamShot.play")
def _(w: World) -> None:
    shot = w.system.search("card number").shots[0]
    url = shot.generate_stream()
    assert window(url) == (w.system.id, int(shot.start), int(shot.end))
    assert plays(shot.player_url, shot.get_embed_code())
    assert shot.play().src.endswith(f"?url={url}")  # the SDK's play() opens VideoDB's console player on it


@exercise("RTStreamUnderstanding.refresh", "RTStreamUnderstanding.start", "RTStreamUnderstanding.stop",
          "RTStreamUnderstanding.get_records")
def _(w: World) -> None:
    und = w.understanding
    und.stop()
    assert w.screen.get_understanding(und.id).status == "stopped"
    und.start()
    assert und.refresh().status == "running"
    records = und.get_records(start=0, end=2_000_000_000, page_size=2)
    assert len(records["records"]) == 2 and records["next_page"] is True
    assert set(records["records"][0]) == {"start", "end", "understanding_id", "data"}


@exercise("RTStreamIndex.refresh", "RTStreamIndex.start", "RTStreamIndex.stop", "RTStreamIndex.get_records")
def _(w: World) -> None:
    index = w.index
    index.stop()
    assert index.refresh().status == "stopped"
    index.start()
    assert index.refresh().status == "running"
    records = index.get_records()
    assert records["records"] and "Jira board" in " ".join(r["data"]["description"] for r in records["records"])


@exercise("RTStreamIndex.create_alert", "RTStreamIndex.list_alerts", "RTStreamIndex.enable_alert",
          "RTStreamIndex.disable_alert")
def _(w: World) -> None:
    alert_id = w.index.create_alert(w.event_id, callback_url="")
    w.index.disable_alert(alert_id)
    assert [(a["alert_id"], a["status"], a["prompt"]) for a in w.index.list_alerts()] == [
        (alert_id, "disabled", "Someone reads out a card number or a password")]
    w.index.enable_alert(alert_id)
    assert w.index.list_alerts()[0]["status"] == "enabled"


@exercise("WebSocketConnection.connect", "WebSocketConnection.receive", "WebSocketConnection.send",
          "WebSocketConnection.close")
def _(w: World) -> str:
    async def run() -> list[dict[str, Any]]:
        ws = await w.conn.connect_websocket().connect()
        assert ws.connection_id.startswith("ws-")
        await ws.send({"ping": 1})  # the service ignores what clients send
        session = w.conn.create_capture_session(end_user_id="user_ws", ws_connection_id=ws.connection_id)
        frames = []
        async for frame in ws.receive():
            frames.append(frame)
            if len(frames) == 1:
                w.emu.start_capture(session.id)
            if len(frames) == 3:
                break
        await ws.close()
        return frames
    frames = asyncio.run(run())
    assert [f["event"] for f in frames] == ["capture_session.created", "capture_session.starting", "capture_session.active"]
    return WS_CALL


@exercise("Video.generate_stream", "Video.play", "Video.get_embed_code")
def _(w: World) -> None:
    video = w.coll.get_video(w.exported.exported_video_id)
    start = window(video.stream_url)[1]
    clip = video.generate_stream(timeline=[(10, 25)])
    assert window(clip)[1:] == (start + 10, start + 25)
    assert plays(video.player_url, video.get_embed_code())
    assert video.play().src.endswith(f"?url={video.stream_url}")


@exercise("Video.generate_transcript", "Video.get_transcript", "Video.get_transcript_text")
def _(w: World) -> None:
    video = w.coll.get_video(w.exported.exported_video_id)
    words = video.get_transcript()  # generated on first read, as VideoDB's docs say
    assert video.generate_transcript()["success"] is True
    assert video.get_transcript(force=True) == words
    assert words[0] == {"start": 2.0, "end": 2.3, "text": "Morning,"}  # video-time seconds, no speaker
    sentences = video.get_transcript(segmenter="sentence")
    assert sentences[0]["text"].startswith("Morning, both.") and len(sentences) < len(words)
    assert video.get_transcript_text().startswith("Morning, both.")


@exercise("Video.update", "Video.delete")
def _(w: World) -> None:
    video = w.coll.get_video(w.exports[0].video_id)
    video.update(name="Front door, Tuesday")
    assert w.coll.get_video(video.id).name == "Front door, Tuesday"
    video.delete()
    with pytest.raises(InvalidRequestError, match="not found"):
        w.coll.get_video(video.id)


# --- the exported video: indexes, search, shots, compile, thumbnails; collections -----------------
def exported_video(w: World) -> Any:
    return w.coll.get_video(w.exported.exported_video_id)


@exercise("Video.index_spoken_words", "Video.search", "Video.legacy_search", "SearchResponse.get_shots",
          "SearchResponse.get_shot_results")
def _(w: World) -> None:
    video = exported_video(w)
    with pytest.raises(InvalidRequestError, match=r"has no index to search; call video\.index_spoken_words"):
        video.search("card numbers")
    video.index_spoken_words()
    with pytest.raises(InvalidRequestError, match="Spoken word index for video already exists"):
        video.index_spoken_words()
    video.index_spoken_words(force=True)
    response = video.search("don't read card numbers out")  # Search V2
    assert isinstance(response, SearchResponse) and response.response_type == "shots"
    first = response.get_shots()[0]
    assert (first.start, first.video_id, first.video_length) == (102.5, video.id, video.length)  # Maya's line
    assert first.text.startswith("Sofia, stop there") and 0 < first.search_score < 1
    assert isinstance(response.get_shot_results(), SearchResult)
    legacy = video.search("card numbers", search_type=SearchType.semantic, index_type=IndexType.spoken_word)
    assert isinstance(legacy, SearchResult) and len(legacy.get_shots()) <= 5  # result_threshold's default
    keyword = video.legacy_search("4111", search_type=SearchType.keyword, index_type=IndexType.spoken_word)
    assert [s.start for s in keyword.get_shots()] == [95.0]  # Sofia reads the card out
    with pytest.raises(InvalidRequestError, match="No results found"):
        video.search("lunch")


@exercise("Video.index_scenes", "Video.index_visuals", "Video.index_audio", "Video.list_scene_index",
          "Video.get_scene_index", "Video.delete_scene_index")
def _(w: World) -> None:
    video = exported_video(w)
    scene_index_id = video.index_scenes(prompt="Describe the screen")
    with pytest.raises(InvalidRequestError, match=f"Scene index with id {scene_index_id} already exists") as err:
        video.index_scenes(prompt="Describe the screen")
    assert re.search(r"id\s+([a-f0-9]+)", str(err.value)).group(1) == scene_index_id  # as public code reads it
    records = video.get_scene_index(scene_index_id)
    assert records[0] == {"start": 0.0, "end": 20.0, "description": records[0]["description"]}
    assert "Video call window" in records[0]["description"] and records[-1]["end"] <= video.length
    visual = video.index_visuals(prompt="What is on screen?", batch_config={"type": "time", "value": 10})
    audio = video.index_audio(prompt="Summarise", batch_config={"type": "time", "value": 60}, name="summary")
    said = video.get_scene_index(audio)  # both audio streams' audio index, in time order
    assert [r["start"] for r in said[:4]] == [0.0, 0.0, 60.0, 60.0] and "card number" in said[3]["description"]
    assert {i["scene_index_id"]: (i["name"], i["status"]) for i in video.list_scene_index()} == {
        scene_index_id: ("Scene Index 2026-01-20 12:34", "done"),
        visual: ("Scene Index 2026-01-20 12:34", "done"), audio: ("summary", "done")}
    found = video.search("Jira board", search_type=SearchType.semantic, index_type=IndexType.scene,
                         scene_index_id=scene_index_id)
    assert found.get_shots()[0].start == 56.0 and found.get_shots()[0].scene_index_id == scene_index_id
    video.delete_scene_index(audio)
    assert audio not in [i["scene_index_id"] for i in video.list_scene_index()]


@exercise("SearchResult.get_shots", "SearchResult.compile", "SearchResult.play", "SearchResult.get_embed_code",
          "SearchResponse.compile", "SearchResponse.play", "SearchResponse.get_embed_code",
          "Shot.generate_stream", "Shot.play", "Shot.get_embed_code")
def _(w: World) -> None:
    video = exported_video(w)
    video.index_spoken_words(force=True)
    start = window(video.stream_url)[1]
    result = video.search("card numbers", search_type=SearchType.semantic, index_type=IndexType.spoken_word,
                          result_threshold=3)
    shots = result.get_shots()
    screen = w.exported.get_rtstream("screen")[0].id
    timeline = urlsplit(result.compile()).path.rsplit("/", 1)[1].removesuffix(".m3u8")
    assert len(shots) == 3 and media.parse_timeline(timeline) == [  # one playlist of the shots, in order
        (screen, round((start + s.start) * 1e6), round((start + s.end) * 1e6)) for s in shots]
    assert result.play().src.endswith(f"?url={result.stream_url}") and plays(result.player_url, result.get_embed_code())
    response = video.search("card numbers", top_k=1)
    assert window(response.compile())[1] == start + response.get_shots()[0].start
    assert response.play().src.endswith(f"?url={response.get_shot_results().stream_url}")
    assert plays(response.get_shot_results().player_url, response.get_embed_code())
    fresh = video.search("card numbers", top_k=1).get_shots()[0]
    assert window(fresh.generate_stream()) == (screen, start + fresh.start, start + fresh.end)
    assert fresh.play().src.endswith(f"?url={fresh.stream_url}") and plays(fresh.player_url, fresh.get_embed_code())


@exercise("Video.generate_thumbnail")
def _(w: World) -> None:
    video = exported_video(w)
    screen, start = window(video.stream_url)[:2]
    assert video.thumbnail_url == media.frame_url(w.emu.base_url, screen, start)  # its first frame
    video.thumbnail_url = None
    assert video.generate_thumbnail() == media.frame_url(w.emu.base_url, screen, start)
    image = video.generate_thumbnail(time=95.5)
    assert image.url == media.frame_url(w.emu.base_url, screen, start + 95.5) and image.collection_id == "default"


@exercise("Connection.create_collection", "Connection.update_collection", "Collection.delete",
          "Collection.make_public", "Collection.make_private")
def _(w: World) -> None:
    made = w.conn.create_collection(name="Support calls", description="Agent desktops")
    assert made.id.startswith("c-") and (made.name, made.description, made.is_public) == (
        "Support calls", "Agent desktops", False)
    session = w.conn.create_capture_session(end_user_id="agent-7", collection_id=made.id)
    assert session.collection_id == made.id
    renamed = w.conn.update_collection(made.id, name="Support", description="Calls")
    assert (renamed.name, renamed.description) == ("Support", "Calls")
    made.make_public()
    assert w.conn.get_collection(made.id).is_public is True
    made.make_private()
    assert w.conn.get_collection(made.id).is_public is False
    made.delete()
    with pytest.raises(InvalidRequestError, match=f"collection '{made.id}' not found"):
        w.conn.get_collection(made.id)
    with pytest.raises(InvalidRequestError, match="the default collection cannot be deleted"):
        w.conn.get_collection("default").delete()  # also makes "default" the connection's collection again

"""`vn.mock_videodb`: the real SDK, unchanged calls, a local emulator; everything put back after."""
from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import webbrowser
from pathlib import Path

import pytest
import videodb
from videodb import capture, client
from videodb._constants import VIDEO_DB_API
from videodb.capture import CaptureClient

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator
from vdb_notebook.offline import active_emulator, mock_videodb, redirect
from vdb_notebook.schema import media

sys.path.insert(0, str(Path(__file__).parent))
from offline_support import wait_for

SECRET = "sk-a-users-real-key-0123456789"


def sdk_state() -> tuple:
    """Everything the redirect may touch, to compare before and after."""
    import videodb.rtstream
    import videodb.video
    return (client.Connection.__dict__["__init__"], capture.CaptureClient.__dict__["__init__"],
            videodb.video.play_stream, videodb.rtstream.play_stream,
            os.environ.get("VIDEO_DB_API_KEY"), os.environ.get("VDB_OFFLINE_URL"))


@pytest.fixture
def no_key(monkeypatch):
    monkeypatch.delenv("VIDEO_DB_API_KEY", raising=False)


def test_connect_without_key_or_base_url_reaches_the_emulator(no_key):
    with mock_videodb(speed="max") as emu:
        conn = videodb.connect()
        assert conn.base_url == emu.base_url
        session = conn.create_capture_session(end_user_id="user_abc")
        assert emu.start_capture(session.id)["status"] == "active"
        assert [s.id for s in conn.list_capture_sessions()] == [session.id]
    with pytest.raises(videodb.AuthenticationError):
        videodb.connect()  # the SDK's own behaviour is back


def test_a_real_key_is_accepted_and_never_kept_sent_logged_or_shown(monkeypatch, caplog, capsys):
    monkeypatch.setenv("VIDEO_DB_API_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    with mock_videodb(speed="max") as emu:
        for conn in (videodb.connect(), videodb.connect(api_key=SECRET), vn.connect(api_key=SECRET)):
            assert conn.get_collection().id == "default"
            assert conn.session.headers["x-access-token"] == emu.api_key
            assert SECRET not in repr(conn) and SECRET not in repr(vars(conn))
    assert os.environ["VIDEO_DB_API_KEY"] == SECRET  # the user's environment is left as it was
    out = capsys.readouterr()
    assert SECRET not in caplog.text + out.out + out.err


def test_an_explicit_non_videodb_base_url_is_left_alone(no_key):
    with mock_videodb(speed="max"):
        conn = videodb.connect(api_key="k", base_url="http://127.0.0.1:9")
    assert (conn.base_url, conn.api_key) == ("http://127.0.0.1:9", "k")


def test_videodb_cloud_urls_are_redirected(no_key):
    with mock_videodb(speed="max") as emu:
        for url in (VIDEO_DB_API, "https://api.videodb.io/", "https://eu.api.videodb.io"):
            assert videodb.connect(base_url=url).base_url == emu.base_url


def test_everything_is_restored_after_the_block_and_after_an_exception(no_key):
    before = sdk_state()
    with mock_videodb(speed="max"):
        assert sdk_state() != before
    assert sdk_state() == before
    with pytest.raises(ZeroDivisionError), mock_videodb(speed="max", subprocesses=True) as emu:
        assert os.environ["VDB_OFFLINE_URL"] == emu.base_url
        raise ZeroDivisionError("inside the mock")
    assert sdk_state() == before and not emu.running
    assert redirect.active() is None


def test_nested_mocks_use_the_innermost_and_hand_back_the_outer(no_key):
    with mock_videodb(speed="max") as outer:
        with mock_videodb(speed="max", seed=1) as inner:
            assert videodb.connect().base_url == inner.base_url
            assert active_emulator() is inner
        assert not inner.running
        assert videodb.connect().base_url == outer.base_url
        with mock_videodb(speed="max"):  # repeated use after an inner one ended
            pass
        assert videodb.connect().base_url == outer.base_url


def test_a_given_emulator_is_used_and_left_running(no_key):
    with Emulator(speed="max") as emu:
        with mock_videodb(emulator=emu) as yielded:
            assert yielded is emu and videodb.connect().base_url == emu.base_url
        assert emu.running


def test_one_mock_object_cannot_be_entered_twice(no_key):
    mock = mock_videodb(speed="max")
    with mock, pytest.raises(RuntimeError, match="already active"):
        mock.start()


def test_decorator_on_a_function_and_a_coroutine_function(no_key):
    @mock_videodb(speed="max")
    def collection_id() -> str:
        return videodb.connect().get_collection().id

    @mock_videodb(speed="max")
    async def websocket_id() -> str:
        ws = await videodb.connect().connect_websocket().connect()
        try:
            return ws.connection_id
        finally:
            await ws.close()

    assert collection_id() == "default"
    assert asyncio.run(websocket_id())
    assert redirect.active() is None


def test_a_bad_scenario_says_so_and_patches_nothing(no_key):
    before = sdk_state()
    with pytest.raises(ValueError, match=r"unknown scenario .nope.; use one of"), mock_videodb(scenario="nope"):
        pass
    assert sdk_state() == before


def test_vn_connect_inside_the_mock_is_the_mocks_emulator(no_key):
    with mock_videodb(speed="max") as emu:
        assert vn.connect().emulator is emu
        assert vn.connect(api_key=SECRET).emulator is emu


def test_capture_client_without_base_url_drives_the_emulator(no_key):
    with mock_videodb(speed="max") as emu:
        conn = videodb.connect()
        session = conn.create_capture_session(end_user_id="desktop")
        token = conn.generate_client_token()

        async def record() -> str:
            desktop = CaptureClient(client_token=token)  # as VideoDB's quickstart client.py writes it
            assert desktop.base_url == emu.base_url
            channels = await desktop.list_channels()
            await desktop.start_session(capture_session_id=session.id, channels=channels.all())
            status = conn.get_capture_session(session.id).status
            await desktop.stop_session()
            await desktop.shutdown()
            return status

        assert asyncio.run(asyncio.wait_for(record(), 60)) == "active"


def exported_video(conn, session_id: str):
    """The session's exported Video, once its export is done."""
    session = wait_for(lambda: (s := conn.get_capture_session(session_id)).status == "exported" and s,
                       f"session {session_id} exported")
    return conn.get_collection().get_video(session.exported_video_id)


def test_play_returns_the_emulators_player_and_opens_no_browser(no_key, monkeypatch):
    def no_browser(*args, **kwargs):
        raise AssertionError("play() opened a browser")
    monkeypatch.setattr(webbrowser, "open", no_browser)
    with mock_videodb(speed="max") as emu:
        conn = videodb.connect()
        session = conn.create_capture_session(end_user_id="u")
        emu.start_capture(session.id)
        emu.stop_capture(session.id)
        video = exported_video(conn, session.id)
        played = video.play()
        base_url = emu.base_url
    assert played == media.player_url(base_url, video.stream_url)
    assert played.startswith(base_url + "/media/watch?v=")


def test_online_is_untouched_by_importing_the_package():
    import vdb_notebook.offline  # noqa: F401 - importing patches nothing
    assert redirect.active() is None
    assert client.Connection.__init__.__module__ == "videodb.client"
    conn = vn.connect(api_key="k", base_url="https://api.example.test")
    assert conn.base_url == "https://api.example.test" and conn.emulator is None
    assert videodb.connect(api_key="k").base_url == VIDEO_DB_API


def transcribed(mic, words: str) -> None:
    """Wait until the mic's transcript holds `words`."""
    wait_for(lambda: any(words in r["text"] for r in
                         mic.get_transcript(page_size=100).get("transcription_records", [])), repr(words))


def test_search_over_an_exported_video_finds_what_was_said_and_plays_it_offline(no_key, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: pytest.fail("play() opened a browser"))
    with mock_videodb(speed="max") as emu:  # the wall clock: the export holds the scenario time played
        conn = videodb.connect()
        session = conn.create_capture_session(end_user_id="u")
        emu.start_capture(session.id)
        mic = conn.get_capture_session(session.id).get_rtstream("mic")[0]
        mic.start_transcript()
        transcribed(mic, "rollback plan")
        emu.stop_capture(session.id)
        video = exported_video(conn, session.id)
        video.index_spoken_words()
        result = video.search("rollback plan")
        shots = result.get_shots()
        assert "rollback plan" in shots[0].text.lower()
        assert result.play().startswith(emu.base_url + "/media/watch?v=")


def test_online_is_untouched_in_a_fresh_process_with_the_plugin_loaded():
    code = ("import sys, vdb_notebook.offline.pytest_plugin\n"
            "assert 'videodb' not in sys.modules, 'the plugin imported the SDK'\n"
            "import vdb_notebook as vn, videodb\n"
            "conn = vn.connect(api_key='k', base_url='https://api.example.test')\n"
            "print(conn.base_url, videodb.client.Connection.__init__.__module__, "
            "videodb.connect(api_key='k').base_url)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VDB_OFFLINE")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.stdout.split() == ["https://api.example.test", "videodb.client", VIDEO_DB_API], done.stderr

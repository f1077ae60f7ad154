"""rtstream.search and coll.search(namespace="rtstream"): shots over what the rtstream's
indexes and transcript have produced so far, ranked, in the shape the SDK reads."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import videodb
from videodb.exceptions import InvalidRequestError

from vdb_notebook.emulator import Emulator

sys.path.insert(0, str(Path(__file__).parents[1]))
from sdk_world import wait_for


def test_search_sees_only_what_was_said_so_far():
    with Emulator(speed="max") as emu:
        conn = videodb.connect(api_key=emu.api_key, base_url=emu.base_url)
        session = conn.create_capture_session(end_user_id="user_abc")
        emu.start_capture(session.id)
        system = conn.get_capture_session(session.id).get_rtstream("system_audio")[0]
        emu.set_speed(0.001)  # hold the transcript before its first line
        system.start_transcript()
        assert system.search("customer card details").shots == []
        emu.set_speed("max")
        shots = wait_for(lambda: system.search("customer card details").shots,  # until the line is transcribed
                         lambda found: found and "4111" in found[0].text)
        assert shots[0].scene_index_id is None  # a transcript line
        assert shots[0].rtstream_id == system.id and shots[0].start > 1e9  # epoch seconds
        scores = [s.search_score for s in system.search("card", result_threshold=5).shots]
        assert scores == sorted(scores, reverse=True) and len(scores) <= 5
        assert system.search("customer card details", score_threshold=0.99).shots == []
        with pytest.raises(InvalidRequestError, match="query is required"):
            system.search("")
        with pytest.raises(InvalidRequestError, match="index 'rti-nope' not found"):
            system.search("card", index_id="rti-nope")
        found = conn.get_collection().search("customer card details", namespace="rtstream").shots
        assert (found[0].rtstream_id, found[0].rtstream_name) == (system.id, "system_audio:default")

"""What a notebook cell shows for `emu.start_capture(...)` / `stop_capture(...)`."""
from __future__ import annotations

from IPython.lib.pretty import pretty

import vdb_notebook as vn


def test_start_and_stop_capture_answer_with_a_one_line_repr(emu):
    conn = vn.connect(emulator=emu)
    session = conn.create_capture_session(end_user_id="user_abc")
    started = emu.start_capture(session.id)
    assert started["status"] == "active" and len(started["rtstreams"]) == 3  # still the dict
    assert pretty(started) == repr(started) == (
        f"CaptureSession {session.id}: active, 3 rtstreams (a dict: answer[\"rtstreams\"], ...)")
    assert "\n" not in pretty(emu.stop_capture(session.id))

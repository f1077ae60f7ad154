"""The panes' session clock (widgets/clock.py)."""
from __future__ import annotations

import vdb_notebook as vn
from vdb_notebook.widgets.clock import SessionClock
from vdb_notebook.widgets.frames import event_rows
from vdb_notebook.widgets.testing import T0, transcript_frame


def test_following_events_one_by_one_ends_where_seeding_the_store_does():
    store = vn.EventStore()
    frames = [transcript_frame("late", at=9000), transcript_frame("early", at=2000),
              vn.webhooks.build("active", capture_session_id="cap-1"),
              vn.webhooks.build("active", capture_session_id="cap-2", timestamp="2026-01-20T12:35:56Z")]
    live, seeded = SessionClock(), SessionClock()
    moves = []
    for frame in frames:
        moves.append(live.see(store.add(frame)))
        partial = SessionClock()
        partial.seed(store.df)
        assert (partial.origin_ms, partial.basis) == (live.origin_ms, live.basis)
    assert moves == [True, True, True, False]  # the first session's active is final
    seeded.seed(store.df)
    assert (seeded.origin_ms, seeded.basis) == (live.origin_ms, live.basis) == (T0, "session active")
    from_rows = SessionClock()  # the DataFrame's rows, as a dashboard catching up reads them
    for row in event_rows(store.df):
        from_rows.see(row)
    assert (from_rows.origin_ms, from_rows.basis) == (T0, "session active")

"""What every pane's markup guarantees: escaped, bounded, theme-aware (widgets/markup.py)."""
from __future__ import annotations

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.markup import MAX_TEXT
from vdb_notebook.widgets.testing import T0, alert_frame, shows, transcript_frame, wait_until

EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def test_panes_hold_a_bounded_amount_of_text(log, store):
    dash = Dashboard(store, max_rate_hz=20, tail=10)
    long_text = "word " * 5000

    def feed(count: int) -> dict[str, int]:
        for i in range(count):
            store.add(transcript_frame(f"{i} {long_text}", final=i % 2 == 0, rts=f"rts-{i % 40}",
                                 stream=f"speaker {i % 40}"))
            store.add({"channel": "visual_index", "rtstream_id": "rts-3",
                       "data": {"text": f"{i} {long_text}", "start": T0, "end": T0 + 1}})
            store.add(alert_frame(label=f"label {i}", text=long_text))
            store.add(vn.webhooks.build("active", capture_session_id=f"cap-{i}"))
        wait_until(shows(dash, "counters", f">{len(store)}<"))
        dash.renderer.flush()  # every pane drawn with all of it (the timeline may lag a frame)
        return {name: len(w.value) for name, w in dash.panes.items()}

    small = feed(200)
    large = feed(2000)
    for name, size in large.items():
        assert size <= small[name] * 1.2 + 500, (name, small[name], size)
        assert size < 200_000, (name, size)
    assert max(len(x.text) for x in dash.renderer.panes["visual"].entries) <= MAX_TEXT
    assert len(dash.renderer.panes["transcript"].interim) <= 16
    dash.close()


def test_all_event_text_is_escaped(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame(EVIL, stream=EVIL))
    store.add(transcript_frame(EVIL, final=False, stream=EVIL, rts="rts-evil"))
    store.add({"channel": "audio_index", "rtstream_id": "rts-1", "rtstream_name": EVIL,
               "data": {"text": EVIL, "start": T0, "end": T0 + 10}})
    store.add({"channel": "visual_index", "rtstream_id": "rts-3",
               "data": {"text": EVIL, "start": T0, "end": T0 + 10}})
    store.add(alert_frame(label=EVIL, text=EVIL))
    store.add(vn.webhooks.build("failed", capture_session_id=EVIL, end_user_id=EVIL, error=EVIL))
    store.add(EVIL)  # rejected: its reason quotes the frame
    for pane in ("transcript", "audio", "visual", "alerts", "sessions", "table"):
        wait_until(shows(dash, pane, "&lt;script&gt;"))
    wait_until(shows(dash, "counters", "rejected"))
    for name, widget in dash.panes.items():
        assert "<script" not in widget.value and "<img" not in widget.value, name
    dash.close()


def test_every_pane_takes_the_notebook_theme_colours(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("themed"))
    store.add(alert_frame(text="themed alert"))
    store.add(vn.webhooks.build("active", capture_session_id="cap-1"))
    wait_until(shows(dash, "counters", ">3<"))
    wait_until(shows(dash, "sessions", "cap-1"))
    for name, widget in dash.panes.items():
        value = widget.value.lower()
        for light in ("background:#fff", "background:#ffffff", "color:#111827", "background:#f8fafc"):
            assert light not in value.replace(" ", ""), (name, light)  # only as a var() fallback
        assert "var(--jp-" in value, name
    pane = dash.panes["transcript"].value
    assert "background:var(--jp-layout-color1, #ffffff)" in pane
    assert "color:var(--jp-ui-font-color0, #111827)" in pane
    dash.close()

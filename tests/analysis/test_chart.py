"""vn.timeline on the recorded standup (analysis/chart.py)."""
from __future__ import annotations

import vdb_notebook as vn


def test_one_lane_per_stream_and_channel_in_session_time(standup):
    chart = vn.timeline(standup)
    spans = chart.spans
    finals = standup.df[standup.df["channel"].isin(["transcript", "audio_index", "visual_index",
                                                    "alert"]) & standup.df["is_final"].fillna(True)]
    assert len(spans) == len(finals)
    assert set(zip(spans["stream"], spans["channel"])) == set(
        zip(finals["rtstream_name"].astype(str), finals["channel"].astype(str)))
    assert spans["start"].min() >= 0  # nothing before the session went active
    assert set(spans.loc[spans["channel"] == "alert", "kind"]) == {"sensitive_content", "decision"}
    assert repr(chart).startswith(f"Timeline({len(set(zip(spans['stream'], spans['channel'])))} lanes")


def test_the_drawing_has_a_legend_hover_text_and_an_mmss_axis(standup):
    svg = vn.timeline(standup).svg
    for name in ("transcript", "audio_index", "visual_index", "alert: sensitive_content",
                 "alert: decision"):
        assert f">{name}</text>" in svg
    alert = standup.alerts().sort_values("start").iloc[0]
    assert alert["text"][:40] in svg  # its text shows on hover (<title>)
    assert "mm:ss since session active" in svg and ">01:00</text>" in svg
    assert "fill-opacity='0.45'" in svg  # bars are not solid: overlaps stay visible


def test_an_empty_store_draws_a_note():
    chart = vn.timeline(vn.EventStore())
    assert "No events on the timeline yet." in chart._repr_html_()

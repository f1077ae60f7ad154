"""vn.timeline on the recorded standup (analysis/chart.py)."""
from __future__ import annotations

import pandas as pd

import vdb_notebook as vn


def test_one_lane_per_stream_and_channel_in_session_time(standup):
    chart = vn.timeline(standup)
    spans = chart.spans
    finals = standup.df[standup.df["channel"].isin(["transcript", "audio_index", "visual_index",
                                                    "alert"]) & standup.df["is_final"].fillna(True)]
    assert len(spans) == len(finals)
    assert set(zip(spans["stream"], spans["channel"], strict=True)) == set(
        zip(finals["rtstream_name"].astype(str), finals["channel"].astype(str), strict=True))
    assert spans["start"].min() >= 0  # nothing before the session went active
    assert set(spans.loc[spans["channel"] == "alert", "kind"]) == {"sensitive_content", "decision"}
    assert repr(chart).startswith(f"Timeline({len(set(zip(spans['stream'], spans['channel'], strict=True)))} lanes")


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


def _contrast(hex_colour: str, background: tuple[int, int, int]) -> float:
    def luminance(rgb):
        parts = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    hi, lo = sorted((luminance(rgb), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _image_svg(html: str) -> str:
    import base64
    import re
    data = re.search(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html).group(1)
    return base64.b64decode(data).decode("utf-8")


def test_the_image_reads_on_light_and_dark_backgrounds(standup):
    import re
    svg = _image_svg(vn.timeline(standup)._repr_html_())
    assert "var(" not in svg  # no CSS variable reaches an image
    fills = set(re.findall(r"style='fill:([^;']+)", svg))
    assert fills and all(f.startswith("#") for f in fills), fills
    for fill in fills:  # JupyterLab Light's white and Dark's near-black
        assert _contrast(fill, (255, 255, 255)) >= 4 and _contrast(fill, (17, 17, 17)) >= 4, fill
    strokes = set(re.findall(r"<line [^>]*style='stroke:([^']+)'", svg))
    assert strokes and all(s.startswith("rgba(") for s in strokes)  # faint grid, not a bright line


def test_timeline_takes_a_feed_a_store_or_a_dataframe_and_says_what_else(standup):
    from types import SimpleNamespace

    import pytest
    expected = vn.timeline(standup).spans
    for source in (SimpleNamespace(store=standup), standup.df):  # a feed has .store
        pd.testing.assert_frame_equal(vn.timeline(source).spans, expected)
    for view in (standup.alerts(full=True), standup.alerts()):  # the view's rows only
        assert vn.timeline(view).spans["channel"].tolist() == ["alert"] * len(standup.alerts())
    with pytest.raises(TypeError, match=r"takes an EventStore, a Feed or a DataFrame of events, "
                                        r"not int; e.g. vn.timeline\(feed\)"):
        vn.timeline(3)


def test_zoom_and_pan_draw_only_the_window_with_hover_text_in_the_image(standup):
    full = vn.timeline(standup)
    zoomed = vn.timeline(standup, start="1m", end=90)
    assert repr(zoomed).endswith("01:00-01:30 since session active)")
    inside = full.spans[(full.spans["end"] >= 60) & (full.spans["start"] <= 90)]
    assert zoomed.svg.count("<rect x=") - full.svg.count("<rect x=") == len(inside) - len(full.spans)
    panned = zoomed.zoom(90, 120)
    assert repr(panned).endswith("01:30-02:00 since session active)")
    html = zoomed._repr_html_()
    assert html.count("<area ") == len(inside)
    first = inside.sort_values("start").iloc[0]
    assert f"title='{vn.analysis.mmss(first['start'])}-" in html  # each bar's hover text
    import pytest
    with pytest.raises(ValueError, match="ends before it starts"):
        vn.timeline(standup, start="2m", end="1m")

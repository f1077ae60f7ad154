"""Clips that keep their video: the stream's window remuxed (not re-encoded) into one MP4 with
PyAV and embedded as a data: URI, so the clip plays in a reopened notebook or an exported HTML
file with no server. Chromium, Firefox and Safari play it without hls.js.

How big: `options.embed_max_bytes` (default 4 MiB of MP4, about 5.3 MiB in the notebook once
base64-encoded; an offline clip is about 20 KB a second, so about three minutes). A longer clip
stays streamed, with a note saying why.

    vn.clip(row, before=5, after=5, embed=True)     # this clip
    vn.clip_options.embed = True                    # every clip of this notebook from now on
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass

EMBED_MAX_BYTES = 4 * 1024 * 1024


@dataclass
class ClipOptions:
    """Notebook-wide clip settings (`vn.clip_options`): `embed` every clip (default False),
    up to `embed_max_bytes` of MP4 each."""

    embed: bool = False
    embed_max_bytes: int = EMBED_MAX_BYTES


options = ClipOptions()


class TooLarge(ValueError):
    """The clip's MP4 would pass the embedding limit."""


def mp4_data_uri(stream_url: str, max_bytes: int | None = None) -> str:
    """The HLS at `stream_url` as a `data:video/mp4;base64,...` URI (same bytes every time);
    TooLarge past `max_bytes` (default `options.embed_max_bytes`)."""
    limit = options.embed_max_bytes if max_bytes is None else max_bytes
    return "data:video/mp4;base64," + base64.b64encode(remux_mp4(stream_url, limit)).decode("ascii")


def remux_mp4(stream_url: str, max_bytes: int) -> bytes:
    """The stream's audio and video packets in one MP4, timestamps from zero, no encoder tags."""
    import av  # the [media] extra: only when a clip is embedded

    buf = io.BytesIO()
    with av.open(stream_url, options={"http_persistent": "0"}) as src, \
            av.open(buf, "w", format="mp4", options={"avoid_negative_ts": "make_zero",
                                                    "fflags": "+bitexact"}) as out:
        wanted = [s for s in src.streams if s.type in ("video", "audio")]
        streams = {s.index: out.add_stream_from_template(s) for s in wanted}
        last: dict[int, int] = {}
        for packet in src.demux(wanted):
            index = packet.stream.index
            # None: the demuxer's end-of-stream marker; not after the last: a segment's audio
            # starts with the encoder's priming, which overlaps the segment before it
            if packet.dts is None or packet.dts <= last.get(index, -2**62):
                continue
            last[index] = packet.dts
            packet.stream = streams[index]
            out.mux(packet)
            if buf.tell() > max_bytes:
                raise TooLarge(f"the clip passes {_size(max_bytes)} as MP4")
    data = buf.getvalue()
    if len(data) > max_bytes:
        raise TooLarge(f"the clip is {_size(len(data))} as MP4, over {_size(max_bytes)}")
    return data


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"


__all__ = ["EMBED_MAX_BYTES", "ClipOptions", "TooLarge", "mp4_data_uri", "options", "remux_mp4"]

"""Offline media: real HLS (H.264 + AAC in MPEG-TS) synthesised from the scenario, cached on disk.

- `streams`: the stream URLs the API hands out (`stream_urls(base, windows)`: one window or a
  timeline of several, checked so the media routes accept them).
- `hls`: window names, segment bounds, playlists (URLs: `schema.media`).
- `plan`: what each segment of an rtstream window shows and says (from the scenario), cached.
- `synth`: one segment encoded with PyAV.
- `cache`, `service`, `limits`: bounded on-disk LRU; encode once, in media workers, a few at a
  time per client.
- `handlers`: the HTTP answers (playlist, timeline, segment, player page, hls.js), routed in urls.py.
"""
from __future__ import annotations

from .service import configure, service
from .streams import stream_urls

__all__ = ["configure", "service", "stream_urls"]

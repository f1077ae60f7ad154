"""Offline media: real HLS (H.264 + AAC in MPEG-TS) synthesised from the scenario, cached on disk.

- `hls`: window names, the segment plan of a window, playlists (URLs: `schema.media`).
- `plan`: what each segment of an rtstream window shows and says (from the scenario).
- `synth`: one segment encoded with PyAV.
- `cache`, `service`: bounded on-disk LRU; encode once, off the event loop.
- `handlers`: the HTTP answers (playlist, segment, player page, hls.js), routed in urls.py.
"""
from __future__ import annotations

from .service import configure, service

__all__ = ["configure", "service"]

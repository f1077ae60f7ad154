"""Offline media: real HLS (H.264 + AAC in MPEG-TS) synthesised from the scenario, cached on disk.

- `hls`: URL forms, the segment plan of a window, playlists.
- `plan`: what each segment of an rtstream window shows and says (from the scenario).
- `synth`: one segment encoded with PyAV.
- `cache`, `service`: bounded on-disk LRU; encode once, off the event loop.
- `handlers`: the HTTP answers (playlist, segment, player page, hls.js); `ROUTES` lists them.
"""
from __future__ import annotations

from . import handlers
from .hls import player_path, stream_path
from .service import configure, service

#: (method, path, handler): registered in the emulator's route table, open to browsers
ROUTES = (
    ("GET", "media/rtstream/{rid}/{window}", handlers.playlist),
    ("GET", "media/rtstream/{rid}/{window}/{segment}", handlers.segment),
    ("GET", "media/player", handlers.player),
    ("GET", "media/hls.light.min.js", handlers.player_script),
)

__all__ = ["ROUTES", "stream_path", "player_path", "configure", "service"]

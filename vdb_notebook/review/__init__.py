"""Review moments in the notebook: `vn.clip(target)` plays the window of an alert, a transcript
line, a search shot or `(rtstream, start, end)` inline, with what was said and shown beside it;
`vn.clip(store.alerts())` does it for every row."""
from __future__ import annotations

from .inline import Clip, Clips, clip, clips
from .window import Window, window_of

__all__ = ["clip", "clips", "Clip", "Clips", "Window", "window_of"]

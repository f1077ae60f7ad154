"""Review moments in the notebook: `vn.clip(target)` plays the window of an alert, a transcript
line, a search shot or `(rtstream, start, end)` inline, with what was said and shown beside it;
`vn.clip(store.alerts())` does it for every row; `vn.clip(..., embed=True)` (or
`vn.clip_options.embed = True`) keeps short clips' video in the notebook."""
from __future__ import annotations

from .embed import ClipOptions
from .embed import options as clip_options
from .inline import Clip, Clips, clip, clips
from .window import Window, window_of

__all__ = ["Clip", "ClipOptions", "Clips", "Window", "clip", "clip_options", "clips", "window_of"]

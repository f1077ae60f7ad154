"""One HLS segment, synthesised: MPEG-TS with H.264 video and AAC audio, encoded with PyAV.

The picture is a slide: the rtstream's name, the session clock, what is shown (the screen's
description, or for an audio rtstream the line being said) and a caption of what is said.
The sound is a tone per spoken word, one pitch per speaker. Everything comes from the
`Segment` (plain data), so the same segment always encodes to the same bytes.

    >>> seg = Segment("display:1", 0.0, 2.0, offset=0.0, origin_ms=0,
    ...               slides=((0.0, 20.0, "A video call in gallery view"),),
    ...               lines=((0.5, 1.5, "Morning, both.", "Maya"),))
    >>> data = encode(seg)
    >>> data[:1] == b"G" and encode(seg) == data       # MPEG-TS sync byte; deterministic
    True
"""
from __future__ import annotations

import hashlib
import io
import textwrap
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from ..._optional import require

if TYPE_CHECKING:  # PyAV, NumPy and Pillow load when a segment is encoded (the [media] extra)
    import av
    import numpy as np
    from PIL import Image, ImageFont

#: bump when the picture or sound changes, so cached segments of the old look are not served
RENDER_VERSION = 1
WIDTH, HEIGHT, FPS = 640, 360, 10
SAMPLE_RATE = 48000
#: media time of a window's start: above zero so the AAC encoder's priming stays positive
PTS_START_S = 1.0
BACKGROUND, HEADER, TEXT, CAPTION = (22, 25, 33), (150, 160, 180), (236, 239, 244), (255, 214, 102)


@dataclass(frozen=True)
class Segment:
    """What one segment shows and says; times are scenario seconds (after the session went active).

    slides: (start, end, text) of what is shown; lines: (start, end, text, speaker) of what is
    said. `offset` is the segment's start in media time (its stream starts at 0);
    `origin_ms` the epoch ms of scenario time 0 (for the clock drawn on screen).
    """

    title: str
    start: float
    end: float
    offset: float
    origin_ms: int
    slides: tuple[tuple[float, float, str], ...] = ()
    lines: tuple[tuple[float, float, str, str | None], ...] = ()
    spoken_slides: bool = False  # an audio rtstream: the line being said is the slide

    @property
    def duration(self) -> float:
        return self.end - self.start

    def key(self) -> str:
        """A content hash: equal keys, equal bytes."""
        return hashlib.sha256(f"{RENDER_VERSION}|{self!r}".encode()).hexdigest()[:32]


def encode(seg: Segment) -> bytes:
    """The segment as MPEG-TS bytes (H.264 + AAC), timestamps continuing its stream's.
    Raises MissingExtra (an ImportError naming `[media]`) without PyAV or Pillow."""
    av = require("av", "media")
    require("PIL", "media")

    buf = io.BytesIO()
    # bitexact: no encoder version strings; mpegts_copyts: keep our timestamps as given
    with av.open(buf, "w", format="mpegts", options={"mpegts_copyts": "1", "fflags": "+bitexact"}) as out:
        video = out.add_stream("libx264", rate=FPS, options={
            "preset": "ultrafast", "threads": "1", "bf": "0", "g": str(FPS * 60)})
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        audio = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        audio.bit_rate = 64000
        for picture in _video_frames(seg):
            out.mux(video.encode(picture))
        out.mux(video.encode())
        for sound in _audio_frames(seg):
            out.mux(audio.encode(sound))
        out.mux(audio.encode())
    return buf.getvalue()


# --- the picture --------------------------------------------------------------------------------
def _video_frames(seg: Segment) -> Iterator[av.VideoFrame]:
    import av
    import numpy as np

    count = max(1, round(seg.duration * FPS))
    first = round((PTS_START_S + seg.offset) * FPS)
    drawn: dict[tuple[str, str, int], av.VideoFrame] = {}
    for i in range(count):
        t = seg.start + i / FPS
        key = (*_shown_said(seg, t), int(t))
        if key not in drawn:
            image = _slide(seg.title, _clock(seg.origin_ms, t), t, *key[:2])
            drawn[key] = av.VideoFrame.from_ndarray(np.asarray(image), format="rgb24")
        frame = drawn[key]
        frame.pts, frame.time_base = first + i, Fraction(1, FPS)
        yield frame


def still(seg: Segment, t: float, width: int = WIDTH) -> bytes:
    """The picture the segment shows at scenario time `t`, as a JPEG `width` pixels wide (the
    same frame its video has then; the same bytes every time)."""
    from PIL import Image

    image = _slide(seg.title, _clock(seg.origin_ms, t), t, *_shown_said(seg, t))
    if width != WIDTH:
        image = image.resize((width, max(1, round(HEIGHT * width / WIDTH))), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _shown_said(seg: Segment, t: float) -> tuple[str, str]:
    """(what is shown, the caption) at `t`: an audio rtstream shows the line being said."""
    said = _current_line(seg.lines, t)
    if seg.spoken_slides:
        return said or "(silence)", ""
    return _current(seg.slides, t), said


def _current(spans: tuple[tuple[float, float, str], ...], t: float) -> str:
    texts = [text for start, end, text in spans if start <= t < end]
    return texts[-1] if texts else ""


def _current_line(lines: tuple[tuple[float, float, str, str | None], ...], t: float) -> str:
    said = [f"{speaker}: {text}" if speaker else text for start, end, text, speaker in lines
            if start <= t < end]
    return said[-1] if said else ""


def _clock(origin_ms: int, t: float) -> str:
    when = datetime.fromtimestamp(origin_ms / 1000 + int(t), tz=UTC)
    return when.strftime("%H:%M:%S UTC")


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)  # Pillow's bundled font: the same glyphs everywhere


def _slide(title: str, clock: str, t: float, shown: str, said: str) -> Image.Image:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    minutes, seconds = divmod(int(t), 60)
    draw.text((16, 12), title, font=_font(16), fill=HEADER)
    draw.text((WIDTH - 16, 12), f"{minutes:02d}:{seconds:02d}  {clock}", font=_font(16),
              fill=HEADER, anchor="ra")
    draw.line((16, 38, WIDTH - 16, 38), fill=(60, 66, 80), width=1)
    body = "\n".join(textwrap.wrap(shown or "(nothing on screen)", 44)[:7])
    draw.multiline_text((24, 56), body, font=_font(24), fill=TEXT, spacing=8)
    if said:
        caption = "\n".join(textwrap.wrap(said, 60)[:2])
        draw.rectangle((0, HEIGHT - 64, WIDTH, HEIGHT), fill=(0, 0, 0))
        draw.multiline_text((16, HEIGHT - 56), caption, font=_font(18), fill=CAPTION, spacing=4)
    return image


# --- the sound ----------------------------------------------------------------------------------
def _audio_frames(seg: Segment, chunk: int = 1024) -> Iterator[av.AudioFrame]:
    import av

    samples = _waveform(seg)
    first = round((PTS_START_S + seg.offset) * SAMPLE_RATE)
    for at in range(0, len(samples), chunk):
        frame = av.AudioFrame.from_ndarray(samples[None, at:at + chunk], format="fltp", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = SAMPLE_RATE, first + at, Fraction(1, SAMPLE_RATE)
        yield frame


def _waveform(seg: Segment) -> np.ndarray:
    """A tone per word of each line, spread over the line's span; silence between lines."""
    import numpy as np

    n = max(1, round(seg.duration * SAMPLE_RATE))
    t = seg.start + np.arange(n) / SAMPLE_RATE
    wave = np.zeros(n, dtype=np.float64)
    for start, end, text, speaker in seg.lines:
        words = max(1, len(text.split()))
        slot = (end - start) / words
        pitch = 220.0 * 2 ** ((zlib.crc32((speaker or "").encode()) % 12) / 12)  # a note per speaker
        inside = (t >= start) & (t < end)
        phase = ((t - start) % slot) / slot          # 0..1 through each word's slot
        envelope = np.where(phase < 0.7, np.sin(np.pi * phase / 0.7), 0.0)  # a soft 'syllable'
        wave += np.where(inside, 0.25 * envelope * np.sin(2 * np.pi * pitch * t), 0.0)
    return np.clip(wave, -1, 1).astype(np.float32)


__all__ = ["FPS", "HEIGHT", "PTS_START_S", "RENDER_VERSION", "SAMPLE_RATE", "WIDTH", "Segment", "encode", "still"]

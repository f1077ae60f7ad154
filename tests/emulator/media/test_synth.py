"""A synthesised segment is real media: PyAV decodes H.264 + AAC of the segment's length, and
the same segment always gives the same bytes."""
from __future__ import annotations

import io

import av
import numpy as np

from vdb_notebook.emulator.media.synth import FPS, HEIGHT, PTS_START_S, WIDTH, Segment, encode

SEG = Segment("display:1", 94.0, 98.0, offset=8.0, origin_ms=1_768_912_500_000,
              slides=((90.0, 104.0, "Support ticket ESC-1193 shows a card number"),),
              lines=((95.0, 102.0, "The card number is four one one one.", "Sofia"),))


def decode(data: bytes) -> tuple[list[av.VideoFrame], list[av.AudioFrame]]:
    with av.open(io.BytesIO(data), "r") as container:
        kinds = {s.type: s.codec_context.name for s in container.streams}
        assert kinds == {"video": "h264", "audio": "aac"}
        frames = list(container.decode(video=0))
    with av.open(io.BytesIO(data), "r") as container:
        sound = list(container.decode(audio=0))
    return frames, sound


def test_decodes_to_the_segments_length_at_its_place_in_the_stream() -> None:
    frames, sound = decode(encode(SEG))
    assert len(frames) == round(SEG.duration * FPS)
    assert (frames[0].width, frames[0].height) == (WIDTH, HEIGHT)
    assert frames[0].time == PTS_START_S + SEG.offset          # continues the window's timeline
    assert abs(frames[-1].time + 1 / FPS - frames[0].time - SEG.duration) < 1e-6
    heard = sum(f.samples for f in sound) / sound[0].sample_rate
    assert abs(heard - SEG.duration) < 0.05                    # AAC frames round up by < 22 ms


def test_a_spoken_line_is_heard_and_silence_is_silent() -> None:
    _, sound = decode(encode(SEG))
    samples = np.concatenate([f.to_ndarray()[0] for f in sound])
    rate = sound[0].sample_rate
    before, during = samples[: int(0.8 * rate)], samples[int(1.5 * rate): int(3.5 * rate)]  # line at 95 s
    assert np.abs(before).max() < 0.01 < np.abs(during).max()


def test_the_picture_shows_the_slide_and_changes_with_the_caption() -> None:
    frames, _ = decode(encode(SEG))
    first, later = frames[0].to_ndarray(format="rgb24"), frames[-1].to_ndarray(format="rgb24")
    assert first[60:200].std() > 5                             # text drawn on the slide
    assert np.abs(first[-60:].astype(int) - later[-60:].astype(int)).mean() > 1  # caption appears at 95 s


def test_same_segment_same_bytes_and_content_decides_the_key() -> None:
    assert encode(SEG) == encode(SEG)
    other = Segment(SEG.title, SEG.start, SEG.end, SEG.offset, SEG.origin_ms, SEG.slides, ())
    assert other.key() != SEG.key() and encode(other) != encode(SEG)
    assert Segment(**{**SEG.__dict__}).key() == SEG.key()

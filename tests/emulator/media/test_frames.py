"""Pictures: a frame of an rtstream at a moment is a JPEG of what its video shows then (the same
bytes every time); an exported video has a thumbnail and makes one at any time through the SDK."""
from __future__ import annotations

import io
from collections.abc import Callable

import av
import numpy as np
import pytest
import requests
from PIL import Image
from videodb.exceptions import InvalidRequestError
from videodb.video import Video

from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.media.service import MediaService
from vdb_notebook.emulator.scenario import ORIGIN_MS
from vdb_notebook.schema.media import frame_url, stream_url

T0 = ORIGIN_MS / 1000



def session_streams(emu: Emulator) -> dict[str, str]:
    conn = emu.connect()
    session = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(session.id)
    return {r.name: r.id for r in conn.get_capture_session(session.id).rtstreams}


def picture(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64)


def test_a_frame_is_the_picture_the_video_shows_then(media: MediaService) -> None:
    with Emulator(speed="max", seed=0) as emu:
        rid = session_streams(emu)["display:1"]
        still = requests.get(frame_url(emu.base_url, rid, T0 + 95), timeout=30)
        again = requests.get(frame_url(emu.base_url, rid, T0 + 95), timeout=30)
        other = requests.get(frame_url(emu.base_url, rid, T0 + 10), timeout=30)
        small = requests.get(frame_url(emu.base_url, rid, T0 + 95), params={"width": 160}, timeout=30)
        window = stream_url(emu.base_url, rid, T0 + 95, T0 + 96).removesuffix(".m3u8")
        segment = requests.get(f"{window}/0.ts", timeout=30).content
    assert still.headers["Content-Type"] == "image/jpeg" and still.content == again.content
    with av.open(io.BytesIO(segment), "r") as container:
        video_frame = next(container.decode(video=0)).to_ndarray(format="gray").astype(np.float64)
    jpeg = picture(still.content)
    assert jpeg.shape == (360, 640)
    assert np.abs(jpeg - video_frame).mean() < 4                  # the same slide, two codecs apart
    assert np.abs(jpeg - picture(other.content)).mean() > 4 * np.abs(jpeg - video_frame).mean()
    assert Image.open(io.BytesIO(small.content)).size == (160, 90)


@pytest.mark.parametrize("path, status", [
    ("{rid}/soon.jpg", 404), ("{rid}/1768912590000000.png", 404), ("{rid}/١٧٦٨٩١٢٥٩٠٠٠٠٠٠٠.jpg", 404),
    ("{rid}/1768912590000000.jpg?width=5000", 400), ("{rid}/1768912590000000.jpg?width=²", 400),
    ("rts-nope/1768912590000000.jpg", 404),
])
def test_bad_frame_requests_are_4xx(media: MediaService, path: str, status: int) -> None:
    with Emulator(speed="max", seed=0) as emu:
        rid = session_streams(emu)["display:1"]
        answer = requests.get(f"{emu.base_url}/media/frame/{path.format(rid=rid)}", timeout=30)
    assert answer.status_code == status and answer.json()["message"]


def test_an_exported_video_has_a_thumbnail_and_makes_one_at_a_time(media: MediaService,
        exported_video: Callable[[Emulator], Video]) -> None:
    with Emulator(speed="max", seed=0) as emu:
        video = exported_video(emu)
        first = video.thumbnail_url
        video.thumbnail_url = None
        assert video.generate_thumbnail() == first          # GET video/{id}/thumbnail
        image = video.generate_thumbnail(time=95)
        at_95 = requests.get(image.url, timeout=30)
        with pytest.raises(InvalidRequestError, match="time must be seconds into the video"):
            video.generate_thumbnail(time=10_000)
        assert requests.get(first, timeout=30).headers["Content-Type"] == "image/jpeg"
    assert image.id.startswith("img-") and image.collection_id == video.collection_id
    assert at_95.status_code == 200 and at_95.headers["Content-Type"] == "image/jpeg"

"""Recordings: the videos a stopped capture session or rtstream exports, and their indexes.

A self-contained piece of the state (as moto's KeyPairBackend): `Library` keeps the videos and
touches nothing else; `EmulatorState` owns one and hands it the rtstreams a video is made of.
No I/O and no URLs (responses/ renders those). A video is a window of one rtstream: what it
recorded from going live until it stopped (`RtStream.window`).

    >>> from vdb_notebook.emulator.models import Ids
    >>> library = Library(Ids(0))
    >>> library.videos
    {}
"""
from __future__ import annotations

from typing import Any

from .errors import BadRequest, Conflict, NotFound
from .models import ExportedRecording, Ids, RtStream, SceneRecord, Video, VideoIndex

#: what index_scenes / index_visuals / index_audio may ask for (videodb's SceneExtractionType)
VIDEO_EXTRACTION_TYPES = ("shot", "time", "transcript")


class Library:
    """Exported videos by id, and the scene indexes made on them."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.videos: dict[str, Video] = {}

    def export(self, name: str, screen: RtStream, audio: list[RtStream]) -> Video:
        """A new video of `screen`'s recorded window, with the sound of `audio`."""
        start, end = screen.window
        video = Video(id=self.ids.new("m"), collection_id=screen.collection_id, name=name,
                      rtstream_id=screen.id, start_s=start, end_s=end,
                      audio_rtstream_ids=[r.id for r in audio])
        self.videos[video.id] = video
        return video

    def export_rtstream(self, rts: RtStream, name: str | None) -> ExportedRecording:
        """rtstream.export(): the stored recording of a stopped rtstream, once (idempotent)."""
        if rts.status != "stopped":
            raise Conflict(f"rtstream {rts.id} is {rts.status!r}; stop it first (rtstream.stop()), "
                           "then export the recording")
        if not rts.store:
            raise BadRequest(f"rtstream {rts.id} was connected with store=False, so nothing was "
                             "recorded; connect it with coll.connect_rtstream(..., store=True)")
        if rts.exported is not None:
            return {**rts.exported, "duration": None}  # as VideoDB: no duration on a repeat call
        title = name or f"{rts.name} - Recording"
        if "video" in rts.media_types:
            asset_id = self.export(title, rts, [rts] if "audio" in rts.media_types else []).id
        else:
            asset_id = self.ids.new("a")  # an audio asset: no stream or player URL
        start, end = rts.window
        rts.exported = ExportedRecording(video_id=asset_id, name=title, duration=round(end - start, 3))
        return rts.exported.copy()

    def video(self, vid: str, collection_id: str | None = None) -> Video:
        video = self.videos.get(vid)
        if video is None or (collection_id not in (None, video.collection_id)):
            raise NotFound(f"video {vid!r} not found; exported videos exist once a capture session "
                           "is exported (its exported_video_id) or after rtstream.export()")
        return video

    def rename(self, video: Video, name: Any) -> None:
        if not isinstance(name, str) or not name.strip():
            raise BadRequest("name must be a non-empty string")
        video.name = name

    def delete(self, video: Video) -> None:
        del self.videos[video.id]

    # indexes ----------------------------------------------------------------------------------
    def index_spoken_words(self, video: Video, force: bool) -> None:
        """video.index_spoken_words(): once, unless force (VideoDB's message otherwise)."""
        if video.spoken_indexed and not force:
            raise BadRequest("Spoken word index for video already exists")
        video.spoken_indexed = video.transcribed = True

    def add_scene_index(self, video: Video, body: dict[str, Any], name: str,
                        records: list[SceneRecord]) -> VideoIndex:
        """A scene index of `records` ({start, end, description}, video seconds); the same
        extraction and prompt twice is VideoDB's 'already exists' error, naming the index."""
        kind = body.get("extraction_type") or "shot"
        if kind not in VIDEO_EXTRACTION_TYPES:
            raise BadRequest(f"extraction_type must be one of {list(VIDEO_EXTRACTION_TYPES)}, not {kind!r}")
        prompt = body.get("prompt") if isinstance(body.get("prompt"), str) else None
        for index in video.scene_indexes.values():
            if (index.extraction_type, index.prompt) == (kind, prompt):
                raise BadRequest(f"Scene index with id {index.id} already exists")
        index = VideoIndex(id=self.ids.hex("video-index"), name=name, extraction_type=kind,
                           prompt=prompt, records=records)
        video.scene_indexes[index.id] = index
        return index

    def scene_index(self, video: Video, index_id: str) -> VideoIndex:
        if index_id not in video.scene_indexes:
            raise NotFound(f"scene index {index_id!r} not found on video {video.id}; list them with "
                           "video.list_scene_index()")
        return video.scene_indexes[index_id]

    def delete_scene_index(self, video: Video, index_id: str) -> None:
        del video.scene_indexes[self.scene_index(video, index_id).id]


__all__ = ["VIDEO_EXTRACTION_TYPES", "Library"]

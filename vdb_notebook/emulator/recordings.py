"""Recordings: the videos a stopped capture session or rtstream exports, and their windows.

Part of the state machine (`EmulatorState` inherits it): no I/O, no URLs (responses/ renders
those from the server's base URL). Every rtstream records from the moment its session went
active (scenario time 0) for the scenario's duration.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import BadRequest, Conflict, NotFound
from .models import RtStream, Session, Video

if TYPE_CHECKING:
    from .state import EmulatorState


class RecordingState:
    """Videos and exports; mixed into `EmulatorState`."""

    def __init__(self) -> None:
        self.videos: dict[str, Video] = {}

    def window_of(self: "EmulatorState", rts: RtStream) -> tuple[float, float]:
        """The recorded window of an rtstream, epoch seconds."""
        return rts.origin_s, rts.origin_s + self.duration_s

    def export_session(self: "EmulatorState", session: Session) -> Video:
        """The video of a stopped session: its screen over the active window (made once)."""
        if session.exported_video_id in self.videos:
            return self.videos[session.exported_video_id]
        screen = self.screen_of(session)
        start, end = self.window_of(screen)
        audio = [r for r in session.rtstream_ids if "audio" in self.rtstreams[r].media_types]
        video = Video(id=self.ids.new("m"), collection_id=session.collection_id,
                      name=f"Capture {session.id}", rtstream_id=screen.id, start_s=start, end_s=end,
                      audio_rtstream_ids=audio)
        self.videos[video.id] = video
        return video

    def export_rtstream(self: "EmulatorState", rts: RtStream, name: str | None) -> dict[str, Any]:
        """rtstream.export(): the stored recording of a stopped rtstream, once (idempotent)."""
        if rts.status != "stopped":
            raise Conflict(f"rtstream {rts.id} is {rts.status!r}; stop it first (rtstream.stop()), "
                           "then export the recording")
        if not rts.store:
            raise BadRequest(f"rtstream {rts.id} was connected with store=False, so nothing was "
                             "recorded; connect it with coll.connect_rtstream(..., store=True)")
        if rts.exported is not None:
            return {**rts.exported, "duration": None}  # as VideoDB: no duration on a repeat call
        start, end = self.window_of(rts)
        title = name or f"{rts.name} - Recording"
        if "video" in rts.media_types:
            video = Video(id=self.ids.new("m"), collection_id=rts.collection_id, name=title,
                          rtstream_id=rts.id, start_s=start, end_s=end,
                          audio_rtstream_ids=[rts.id] if "audio" in rts.media_types else [])
            self.videos[video.id] = video
            asset_id = video.id
        else:
            asset_id = self.ids.new("a")  # an audio asset: no stream or player URL
        rts.exported = {"video_id": asset_id, "name": title, "duration": round(end - start, 3)}
        return dict(rts.exported)

    def video(self: "EmulatorState", vid: str, collection_id: str | None = None) -> Video:
        video = self.videos.get(vid)
        if video is None or (collection_id not in (None, video.collection_id)):
            raise NotFound(f"video {vid!r} not found; exported videos exist once a capture session "
                            "is exported (its exported_video_id) or after rtstream.export()")
        return video

    def rename_video(self: "EmulatorState", video: Video, name: Any) -> None:
        if not isinstance(name, str) or not name.strip():
            raise BadRequest("name must be a non-empty string")
        video.name = name

    def delete_video(self: "EmulatorState", video: Video) -> None:
        del self.videos[video.id]

    def mark_transcribed(self: "EmulatorState", video: Video) -> None:
        video.transcribed = True


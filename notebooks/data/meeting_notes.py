"""Record the desktop with VideoDB Capture and print the first things said on the mic.

    python meeting_notes.py [LINES]

Plain `videodb` SDK code, as VideoDB's capture quickstart writes it: a key in VIDEO_DB_API_KEY,
a capture session, the desktop capture client, a live transcript of the mic.
"""
import asyncio
import sys

import videodb
from videodb.capture import CaptureClient


async def record(lines: int = 3) -> list[str]:
    conn = videodb.connect()
    session = conn.create_capture_session(end_user_id="notes-user")
    desktop = CaptureClient(client_token=conn.generate_client_token())
    channels = await desktop.list_channels()
    await desktop.start_session(capture_session_id=session.id, channels=channels.all())
    mic = conn.get_capture_session(session.id).get_rtstream("mic")[0]
    mic.start_transcript()
    said: list[str] = []
    while len(said) < lines:
        await asyncio.sleep(0.5)
        records = mic.get_transcript(page_size=lines).get("transcription_records", [])
        said = [record["text"] for record in records]
    await desktop.stop_session()
    await desktop.shutdown()
    return said[:lines]


if __name__ == "__main__":
    for text in asyncio.run(record(int(sys.argv[1]) if len(sys.argv) > 1 else 3)):
        print(text)

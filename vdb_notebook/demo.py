"""Headless demo: the standup scenario through the real SDK, printed as it arrives.

    python -m vdb_notebook.demo            # offline, about ten seconds
"""
from __future__ import annotations

import asyncio

import vdb_notebook as vn


def _print_event(event) -> None:
    if event.channel == "transcript" and not event.is_final:
        return
    where = event.rtstream_name or event.capture_session_id or ""
    what = event.text or event.status or ""
    if event.channel == "alert":
        what = f"[{event.label} {event.confidence:.2f}] {what}"
    print(f"{event.channel:<16} {where:<22} {what}", flush=True)


async def main() -> None:
    conn = vn.connect(offline=True)
    feed = await vn.Feed.open(conn)
    feed.store.subscribe(_print_event)
    session = conn.create_capture_session(end_user_id="user_abc", collection_id="default",
                                          callback_url="", ws_connection_id=feed.connection_id)
    conn.emulator.start_capture(session.id)
    pipes = vn.start_pipelines(conn, session.id, feed,
                               alerts={"sensitive_content": "Someone reads out a card number"})
    await feed.wait_for(until=lambda store: store.counts().get("alert", 0) >= 2, timeout=120)
    pipes.stop()
    conn.emulator.stop_capture(session.id)
    await feed.wait_for(until=lambda s: "exported" in set(s.sessions()["status"]), timeout=30)
    await feed.close()
    print("\nreceived:", feed.store.counts(), "rejected:", len(feed.store.rejected))
    print(feed.store.sessions()[["capture_session_id", "status", "exported_video_id"]].to_string())


if __name__ == "__main__":
    asyncio.run(main())

"""End to end: the emulator's lifecycle webhooks (duplicated, reordered) reach a receiver whose
`on("capture_session.active")` handler starts the pipelines with synchronous SDK calls."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator
from vdb_notebook.pipelines import Pipelines
from vdb_notebook.store import EventStore
from vdb_notebook.webhooks import WebhookReceiver


def stored(rx: WebhookReceiver) -> EventStore:
    """The receiver's default store (its `store` is typed as the EventSink protocol)."""
    assert isinstance(rx.store, EventStore)
    return rx.store


async def test_emulator_webhooks_start_pipelines_once_and_end_exported(own_emulator: Emulator) -> None:
    emu = own_emulator  # start_pipelines remembers what it started per service URL
    conn = vn.connect(emulator=emu)
    feed = await vn.Feed.open(conn)
    handles: list[Pipelines] = []
    events: Counter[str] = Counter()
    threads: set[str] = set()

    def on_active_webhook(payload: dict[str, Any]) -> None:  # the seed doc's handler, through the toolkit
        threads.add(threading.current_thread().name)
        handles.append(vn.start_pipelines(conn, payload, feed))

    rx = await vn.WebhookReceiver.start(handlers={"*": lambda p: events.update([p["event"]])})
    rx.on("capture_session.active", on_active_webhook, skip_stale=True)
    try:
        emu.set_faults(duplicate_webhooks=2, reorder_webhooks=True)
        session = conn.create_capture_session(end_user_id="user_abc", callback_url=rx.url,
                                              ws_connection_id=feed.connection_id)
        emu.start_capture(session.id)
        await rx.wait_for(until=lambda store: "active" in set(store.lifecycle().status),
                          timeout=20)
        await rx.wait_for(timeout=20)
        assert len(handles) == 1 and handles[0].session_id == session.id
        assert {p.name for p in handles[0].running} >= {"transcript", "audio_index",
                                                         "visual_index"}
        assert all(name.startswith("vdb-webhook-handler") for name in threads)
        await feed.wait_for(until=lambda store: len(store.transcript()) > 0, timeout=30)

        emu.stop_capture(session.id)
        emu.wait_webhooks(timeout=20)
        await rx.wait_for(timeout=20)
        sent = Counter(d["event"] for d in emu.deliveries if d["ok"])
        assert set(sent) == {f"capture_session.{s}" for s in (
            "created", "starting", "active", "stopping", "stopped", "exported")}, sent
        assert all(n == 3 for n in sent.values()), sent  # each sent once + 2 duplicates
        assert events == Counter({name: 1 for name in sent})
        assert rx.stats.duplicates == 2 * len(sent) and rx.stats.handler_errors == 0
        sessions = stored(rx).sessions().set_index("capture_session_id")
        assert sessions.loc[session.id, "status"] == "exported"
    finally:
        await rx.close()
        for handle in handles:
            handle.stop()
        await feed.close()

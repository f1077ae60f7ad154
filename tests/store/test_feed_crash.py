"""A Feed killed with -9 mid-stream: every frame it read and journaled is in its dataset exactly
once once the journal is replayed into the same path (a frame the writer had already written is
not read back twice: it has the same key)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import vdb_notebook as vn
from vdb_notebook.events import normalise
from vdb_notebook.feed.journal import read_records

CHILD = textwrap.dedent("""
    import asyncio, os, signal, sys
    import vdb_notebook as vn
    from vdb_notebook.emulator import Emulator

    async def main(journal, dataset):
        with Emulator(speed="max") as emu:
            conn = vn.connect(emulator=emu)
            store = vn.EventStore(path=dataset, flush_rows=40)
            feed = await vn.Feed.open(conn, store=store, record_to=journal)
            session = conn.create_capture_session(end_user_id="u-1", collection_id="default",
                                                  callback_url="",
                                                  ws_connection_id=feed.connection_id)
            emu.start_capture(session.id)
            vn.start_pipelines(conn, conn.get_capture_session(session.id), feed)
            await feed.wait_for(n=120, timeout=120)
            assert store.writer.wait_durable(timeout=60)  # some of it is on disk, some not
            while feed.recording.written < 100:  # and journaled (written in batches)
                await asyncio.sleep(0.01)
            os.kill(os.getpid(), signal.SIGKILL)  # mid-stream: frames still arriving

    asyncio.run(main(sys.argv[1], sys.argv[2]))
""")


@pytest.mark.slow
def test_after_kill_9_a_replay_of_the_journal_gives_each_frame_once(tmp_path):
    journal, dataset = tmp_path / "frames.jsonl", tmp_path / "events"
    env = {**os.environ, "PYTHONPATH": str(Path(vn.__file__).parent.parent),
           "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(journal), str(dataset)], env=env,
                          timeout=300)
    assert done.returncode == -9
    before = len(vn.open_dataset(dataset))
    journaled = list(read_records(journal))
    assert before > 0 and len(journaled) > 0
    with vn.EventStore(path=dataset) as store:  # recovery: the journal into the same path
        vn.replay(journal, store=store, progress=False)
    keys = vn.open_dataset(dataset).df["key"].tolist()
    wanted = {normalise(r.frame, source=r.source, received_at_ms=r.received_at).key
              for r in journaled}
    assert wanted - set(keys) == set()  # none lost
    assert len(keys) == len(set(keys))  # none twice
    assert vn.scan_dataset(dataset).aggregate("count(*)").fetchall() == [(len(keys),)]

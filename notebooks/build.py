"""Re-execute the notebooks and save their outputs in place; optionally re-record the sample data.

    .venv/bin/python notebooks/build.py                      # every notebook
    .venv/bin/python notebooks/build.py 02_webhooks.ipynb    # just these
    .venv/bin/python notebooks/build.py --record             # re-record data/standup.jsonl first

Run it after a change that alters what a notebook shows, then check the saved outputs with
`pytest --nbval notebooks --sanitize-with notebooks/sanitize.cfg`. The notebooks are the source:
edit them in Jupyter; this script only runs them, in a fresh kernel each, as nbval does.
"""
from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import vdb_notebook as vn

HERE = Path(__file__).resolve().parent
RECORDING = HERE / "data" / "standup.jsonl"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
#: The alerts of the recorded session (03_analysis.ipynb reads both labels).
ALERTS = {
    "sensitive_content": "Someone reads out a password or a payment card number",
    "decision": "A decision is made or a task gets an owner and a deadline",
}


async def record_standup(path: Path = RECORDING) -> vn.EventStore:
    """Record the emulator's standup (seed 0), from session creation to export, as raw frames."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # the journal appends; start from an empty file
    conn = vn.connect(offline=True, seed=0)
    feed = await vn.Feed.open(conn, record_to=path)
    session = conn.create_capture_session(end_user_id="user_abc", collection_id="default",
                                          callback_url="", ws_connection_id=feed.connection_id)
    conn.emulator.start_capture(session.id)
    pipes = vn.start_pipelines(conn, session.id, feed, alerts=ALERTS)
    await feed.wait_for(until=conn.emulator.scenario_over(feed), timeout=120)
    pipes.stop()
    conn.emulator.stop_capture(session.id)
    await feed.wait_for(until=lambda store: "exported" in set(store.sessions()["status"]),
                        timeout=30)
    await feed.close()
    return feed.store


def execute(path: Path, timeout: float = 120) -> float:
    """Run `path` top to bottom in a fresh kernel (cwd: its folder), save it; seconds taken."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC
    started = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name=KERNELSPEC["name"],
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - started
    nbformat.write(nb, path)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--record", action="store_true",
                        help=f"re-record {RECORDING.relative_to(HERE)} before running")
    args = parser.parse_args()
    if args.record:
        store = asyncio.run(record_standup())
        print(f"recorded {RECORDING.relative_to(HERE)}: {store}")
    paths = [HERE / name for name in args.notebooks] or sorted(HERE.glob("[0-9]*.ipynb"))
    for path in paths:
        print(f"{path.name}: {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main()

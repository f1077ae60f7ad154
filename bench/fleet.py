"""A fleet of capture sessions into one dataset: one Feed, four webhook receiver processes, many
writers. Prints events/s, end-to-end lag, memory and descriptors per process, and sent = stored.

    .venv/bin/python bench/fleet.py [--sessions 100] [--speed 30]

`emu.start_fleet` starts the sessions through the real SDK, each in its own world (the shipped
worlds mixed by seed) with its transcripts, indexes and alerts; its frames go to one `vn.Feed`
in this process, its lifecycle and alert webhooks to the receiver its callback_url names (four
`vn.WebhookReceiver` processes, session i to receiver i % 4), at-least-once: the emulator
sends every webhook twice, and afterwards every webhook is delivered once more to the next
receiver (a load balancer's retry elsewhere). The Feed and the receivers all append to one
dataset path. Read back with `vn.open_dataset`, each session's events must be what was sent:
each once, none lost.

Lag: for each WebSocket frame, from the moment the emulator hands it to its socket to the
moment the Feed's store has it (both clocks in this process); for each webhook, from the
emulator's first POST to the earliest `received_at` any receiver wrote for its delivery key
(epoch clocks of two processes on one machine). The target: p99 within 1 s at the scenario's
own rate (speed 30 is the shipped worlds' default). Memory (RSS) and open
descriptors of each process are sampled every half second; start, middle and end are shown.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pyarrow.parquet as pq

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.fleet import Fleet
from vdb_notebook.schema.media import parse_stream_url
from vdb_notebook.webhooks.dedup import payload_key

RECEIVERS = 4
MAX_EVENTS = 5_000  # each process keeps at most this many events in memory; the dataset has all


# --- a receiver process ---------------------------------------------------------------------
def serve_receiver(path: str) -> None:
    """Receive webhooks into the dataset at `path` until stdin closes; print the stats as JSON."""
    store = vn.EventStore(path=path, max_events=MAX_EVENTS)
    rx = vn.WebhookReceiver.start_sync(store)
    print(rx.url, flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us
    rx.close_sync()
    store.close()
    print(json.dumps(rx.stats.as_dict()), flush=True)


class Receiver:
    """A receiver process, its URL, and its stats once stopped."""

    def __init__(self, path: str) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--receiver", path],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise RuntimeError(f"the receiver process did not start (said {self.url!r})")

    def stop(self) -> dict[str, Any]:
        out, _ = self.proc.communicate(timeout=120)
        return json.loads(out.strip().splitlines()[-1])


# --- measuring --------------------------------------------------------------------------------
def usage(pid: int) -> tuple[float, int]:
    """(RSS in MiB, open descriptors) of process `pid`, from /proc."""
    rss_kb = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if line.startswith("VmRSS:"))
    return rss_kb / 1024, len(os.listdir(f"/proc/{pid}/fd"))


class Sampler(threading.Thread):
    """Samples each process's memory and descriptors every `every` seconds until stopped."""

    def __init__(self, pids: dict[str, int], every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pids, self.every = pids, every
        self.samples: list[dict[str, tuple[float, int]]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.samples.append({name: usage(pid) for name, pid in self.pids.items()})
            self.done.wait(self.every)

    def stop(self) -> list[dict[str, tuple[float, int]]]:
        self.done.set()
        self.join()
        return self.samples


def frame_key(frame: dict[str, Any]) -> tuple:
    """What identifies a frame the emulator sent, as its stored event shows it too."""
    data = frame.get("data") or {}
    if frame.get("channel") == "capture_session":
        return ("session", frame.get("capture_session_id"), frame.get("event"))
    return ("stream", frame.get("rtstream_id"), data.get("start"), data.get("end"),
            data.get("is_final"), data.get("text"))


def event_key(event: Any) -> tuple:
    if event.channel == "capture_session":
        return ("session", event.capture_session_id, event.event)
    return ("stream", event.rtstream_id, event.start, event.end, event.is_final, event.text)


class LagClock:
    """When the emulator sent each frame to the feed's connection, and when the store had it."""

    def __init__(self) -> None:
        self.sent: dict[tuple, float] = {}
        self.lags: list[float] = []
        self.per_source: Counter[str] = Counter()  # frames sent per rtstream or capture session

    def watch_sends(self, emu: Emulator, connection_id: str) -> None:
        hub = emu._engine.hub  # the bench's instrument: the emulator's socket hub
        send = hub.send

        async def timed(conn_id: str | None, frame: dict[str, Any]) -> Any:
            if conn_id == connection_id:
                self.sent[frame_key(frame)] = time.perf_counter()
                self.per_source[frame.get("rtstream_id") or frame.get("capture_session_id")] += 1
            return await send(conn_id, frame)
        hub.send = timed

    def watch_posts(self, emu: Emulator) -> None:
        """When the emulator first POSTs each webhook (epoch s), by the key receivers give it."""
        sender = emu._engine.sender  # the bench's instrument: the emulator's webhook sender
        attempt = sender._attempt
        self.posted: dict[str, float] = {}

        async def timed(url: str, payload: dict[str, Any], **kw: Any) -> bool:
            self.posted.setdefault(payload_key(payload), time.time())
            return await attempt(url, payload, **kw)
        sender._attempt = timed

    def webhook_lags(self, path: str) -> np.ndarray:
        """Seconds from each webhook's first POST to its first row in any writer's files."""
        files = [str(f) for f in Path(path).rglob("*.parquet")]
        rows = pq.read_table(files, columns=["key", "received_at"]).to_pandas()
        first = rows.groupby("key")["received_at"].min()
        stored = first[first.index.isin(list(self.posted))]
        return np.array([(at.timestamp() - self.posted[key]) for key, at in stored.items()])

    def stored(self, event: Any) -> None:
        at = self.sent.pop(event_key(event), None)
        if at is not None:
            self.lags.append(time.perf_counter() - at)


# --- the run ---------------------------------------------------------------------------------
async def run(sessions: int, speed: float, path: str) -> dict[str, Any]:
    receivers = [Receiver(path) for _ in range(RECEIVERS)]
    try:
        return await run_fleet(sessions, speed, path, receivers)
    finally:
        for r in receivers:
            if r.proc.poll() is None:
                r.proc.kill()


async def run_fleet(sessions: int, speed: float, path: str, receivers: list[Receiver]) -> dict[str, Any]:
    store = vn.EventStore(path=path, max_events=MAX_EVENTS)
    emu = Emulator(speed=speed, seed=0, faults={"duplicate_webhooks": 1}).start()
    feed = await vn.Feed.open(vn.connect(emulator=emu), store=store)
    lag = LagClock()
    lag.watch_sends(emu, feed.connection_id)
    lag.watch_posts(emu)
    store.subscribe(lag.stored)
    sampler = Sampler({"feed+emulator": os.getpid(), **{f"receiver {n}": r.proc.pid
                                                         for n, r in enumerate(receivers)}})
    sampler.start()
    started = time.perf_counter()
    # on a thread, as a backend would: the feed reads on this loop meanwhile
    fleet = await asyncio.to_thread(emu.start_fleet, sessions, ws_connection_id=feed.connection_id,
                                    callback_urls=[r.url for r in receivers])
    set_up = time.perf_counter() - started
    over = emu.scenario_over(feed)
    await feed.wait_for(until=over, timeout=600)  # as a notebook waits: cheap per poll
    await asyncio.to_thread(fleet.stop)
    await poll(lambda: set(fleet.statuses().values()) == {"exported"} and over(store), timeout=120)
    await asyncio.to_thread(emu.wait_webhooks, timeout=120)
    played = time.perf_counter() - started
    webhooks = delivered_webhooks(emu, fleet)
    await redeliver_elsewhere(webhooks, fleet, [r.url for r in receivers])
    samples = sampler.stop()
    stats = [r.stop() for r in receivers]
    await feed.close()
    store.close()
    emu.stop()
    return {"fleet": fleet, "set_up": set_up, "played": played, "lag": lag, "samples": samples,
            "receivers": stats, "webhooks": webhooks}


async def poll(check: Callable[[], bool], timeout: float) -> None:
    """Until `check()` is true, asked on a thread every 0.2 s: an emulator snapshot of a whole
    fleet takes a while, and the feed's loop (where `feed.wait_for(until=)` asks) reads frames."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the fleet did not finish within {timeout} s")
        await asyncio.sleep(0.2)


def delivered_webhooks(emu: Emulator, fleet: Fleet) -> dict[str, list[dict[str, Any]]]:
    """Each webhook payload the receivers acknowledged, once, by session."""
    by_session: dict[str, dict[str, dict[str, Any]]] = {s.session_id: {} for s in fleet.sessions}
    for d in emu.deliveries:
        if d["ok"]:
            payload = d["payload"]
            sid = payload.get("capture_session_id") or fleet.session_of(
                parse_stream_url(payload["stream_url"])[0]).session_id  # an alert names its window
            by_session[sid][json.dumps(payload, sort_keys=True)] = payload
    return {sid: list(p.values()) for sid, p in by_session.items()}


async def redeliver_elsewhere(webhooks: dict[str, list[dict[str, Any]]], fleet: Fleet,
                              urls: list[str]) -> None:
    """Every webhook once more, to the receiver after the one its session names."""
    for session in fleet.sessions:
        other = urls[(urls.index(session.callback_url) + 1) % len(urls)]
        await vn.webhooks.deliver(other, webhooks[session.session_id], webhook_ids=False)


def report(result: dict[str, Any], path: str, speed: float) -> None:
    fleet: Fleet = result["fleet"]
    lag: LagClock = result["lag"]
    back = vn.open_dataset(path).df
    rts_owner = {rid: s.session_id for s in fleet.sessions for rid in s.rtstream_ids}
    session_col = back["rtstream_id"].map(rts_owner).fillna(back["capture_session_id"])
    stored = Counter(session_col.dropna())
    frames = Counter({sid: 0 for sid in rts_owner.values()})
    for source, n in lag.per_source.items():
        frames[rts_owner.get(source, source)] += n
    sent = {s.session_id: frames[s.session_id] + len(result["webhooks"][s.session_id])
            for s in fleet.sessions}
    lost = sum(max(0, sent[s] - stored[s]) for s in sent)
    extra = sum(max(0, stored[s] - sent[s]) for s in sent)
    equal = sum(sent[s] == stored[s] for s in sent)
    total = sum(sent.values())
    lags = np.array(lag.lags) * 1000
    print(f"{len(fleet.sessions)} sessions at speed {speed:g} ({fleet!r})")
    print(f"  set up {result['set_up']:.1f} s (sessions, pipelines, alerts through the SDK); "
          f"played and exported {result['played']:.1f} s")
    print(f"  sent {total} events ({sum(lag.per_source.values())} WebSocket frames, "
          f"{sum(len(w) for w in result['webhooks'].values())} webhooks): "
          f"{total / result['played']:.0f} events/s")
    print(f"  lag send -> stored (WebSocket frames, {len(lags)} timed; a frame whose key another "
          f"shares is not): p50 {np.percentile(lags, 50):.1f} ms, "
          f"p99 {np.percentile(lags, 99):.1f} ms ({np.percentile(lags, 99) / 1000:.2f}x the 1 s target), "
          f"max {lags.max():.1f} ms")
    hooks = lag.webhook_lags(path) * 1000
    print(f"  lag first POST -> stored in a receiver process (webhooks, {len(hooks)} timed; epoch ms): "
          f"p50 {np.percentile(hooks, 50):.1f} ms, p99 {np.percentile(hooks, 99):.1f} ms, max {hooks.max():.1f} ms")
    for n, st in enumerate(result["receivers"]):
        print(f"  receiver {n}: received {st['received']}, processed {st['processed']}, "
              f"duplicates {st['duplicates']}")
    print("  memory (RSS MiB) and open descriptors, start / middle / end:")
    samples = result["samples"]
    for name in samples[0]:
        row = [samples[0][name], samples[len(samples) // 2][name], samples[-1][name]]
        print(f"    {name:14s} " + " / ".join(f"{rss:6.1f} MiB {fds:3d} fds" for rss, fds in row)
              + f"   end/middle RSS {row[2][0] / row[1][0]:.2f}x")
    print(f"  read back with vn.open_dataset: {len(back)} events, {back['key'].nunique()} distinct keys "
          f"({session_col.isna().sum()} of them the feed's own records); "
          f"{len(list(Path(path).rglob('*.parquet')))} files from {1 + RECEIVERS} writers")
    print(f"  per session sent = stored: {equal}/{len(sent)} sessions; lost {lost}, extra {extra}")
    report_compaction(path, back)


def report_compaction(path: str, back: Any) -> None:
    """Merge the small files of timed flushes (and drop duplicates on disk); the same events?"""
    started = time.perf_counter()
    done = vn.compact_dataset(path)
    seconds = time.perf_counter() - started
    again = vn.open_dataset(path).df
    same = sorted(again["key"]) == sorted(back["key"])
    print(f"  vn.compact_dataset: {done.files_before} -> {done.files_after} files, {done.rows_dropped} "
          f"duplicate rows dropped, {seconds:.1f} s; read back the same {len(again)} events: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--speed", type=float, default=30.0, help="scenario seconds per second")
    parser.add_argument("--receiver", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        return serve_receiver(args.receiver)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "fleet")
        report(asyncio.run(run(args.sessions, args.speed, path)), path, args.speed)


if __name__ == "__main__":
    main()

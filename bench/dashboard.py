"""Dashboard under load: 10,000 events/s for 10 s into a store with a dashboard attached, its
controls and its grid pane on, lifecycle events of 100 concurrent sessions in the mix, and the
controls steered during the run (a session picked, a filter typed, a pause and a resume).

Widgets talk to a counting comm instead of a browser (as ipywidgets' own tests swap in a dummy
comm), so we see exactly what a browser would receive. Prints comm messages per pane per second,
bytes per second, events lost, and the latency from an event's arrival to the pane update that
shows it (p50/p99/max, over the first 40%, before any steering), next to baselines measured in
the same run: the store alone (ingest cost per event) and a naive live view that sets an HTML
widget on every event. The controls' widgets (pickers, ids, pause) are counted like panes.

    .venv/bin/python bench/dashboard.py            # the full run (10 s)
    .venv/bin/python bench/dashboard.py --seconds 2 --rate 5000

Targets: at most max_rate_hz + 1 messages per pane (and per control) per second; 0 events lost;
latency at most 1/max_rate_hz + 100 ms.
"""
from __future__ import annotations

import argparse
import bisect
import html
import os
import threading
import time
from collections import defaultdict
from typing import Any

import ipywidgets as widgets

import vdb_notebook as vn
from vdb_notebook.widgets.dashboard import PANE_OF_CHANNEL
from vdb_notebook.widgets.testing import CommLog, counting_comms

T0 = 1768912496000
SESSIONS = 100
STREAMS = (("rts-1", "mic:default"), ("rts-2", "system_audio:default"))
WORDS = ["let", "us", "schedule", "the", "meeting", "for", "thursday", "and", "review", "the", "launch", "checklist"]


def frames(n: int) -> list[Any]:
    """A realistic mix: mostly transcript (interims then a final), index, alerts, lifecycle,
    feed gaps, and a few frames that must be rejected."""
    out: list[Any] = []
    for i in range(n):
        kind = i % 100
        at = T0 + i * 10
        if kind < 60:
            rts, name = STREAMS[i % 2]
            text = " ".join(WORDS[: 3 + i % 10]) + f" #{i}"
            out.append({"channel": "transcript", "rtstream_id": rts, "rtstream_name": name,
                        "data": {"text": text, "is_final": i % 5 == 0, "start": at, "end": at + 900}})
        elif kind < 78:
            out.append({"channel": "scene_index", "rtstream_id": "rts-3", "rtstream_name": "display:1",
                        "data": {"text": f"User is viewing slide {i}", "start": at, "end": at + 5000}})
        elif kind < 96:
            out.append({"channel": "audio_index", "rtstream_id": "rts-1", "rtstream_name": "mic:default",
                        "data": {"text": f"Discussion of item {i}", "start": at, "end": at + 8000}})
        elif kind < 98:
            out.append({"channel": "alert", "rtstream_id": "rts-3",
                        "data": {"label": "sensitive_content", "triggered": True,
                                 "confidence": (i % 50) / 50, "start": at, "end": at + 2000}})
        elif kind == 98:  # the fleet: each of SESSIONS sessions goes created -> starting -> active
            session, step = i // 100 % SESSIONS, i // (100 * SESSIONS) % 3
            status = ("created", "starting", "active")[step]
            streams = [{"rtstream_id": rts, "name": name} for rts, name in STREAMS]
            out.append(vn.webhooks.build(status, capture_session_id=f"cap-{session:03d}", timestamp=at,
                                         end_user_id=f"agent-{session:03d}",
                                         rtstreams=streams if status == "active" else None))
        elif i % 1000 == 99:
            out.append("not json {")
        else:
            out.append({"channel": "feed", "event": "feed.gap",
                        "data": {"start": at, "end": at + 1500, "reason": "connection dropped",
                                 "old_connection_id": "c1", "new_connection_id": "c2"}})
    return out


def offer(store: vn.EventStore, batch: list[Any], rate: float,
          arrivals: dict[int, float] | None = None) -> float:
    """Add `batch` at `rate` events/s (paced in 5 ms steps); returns the achieved rate.

    `arrivals` gets each stored event's seq -> time.monotonic() just before its add."""
    start = time.monotonic()
    sent = 0
    while sent < len(batch):
        due = min(len(batch), int((time.monotonic() - start) * rate) + 1)
        while sent < due:
            at = time.monotonic()
            result = store.add(batch[sent], source="bench")
            if arrivals is not None and hasattr(result, "seq"):
                arrivals[result.seq] = at
            sent += 1
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(min(ahead, 0.005))
    return len(batch) / (time.monotonic() - start)


def ingest_cost(batch: list[Any], dashboard: bool) -> float:
    """Microseconds of wall time per add, as fast as possible (no pacing)."""
    with counting_comms():
        store = vn.EventStore()
        dash = vn.Dashboard(store) if dashboard else None
        started = time.perf_counter()
        for frame in batch:
            store.add(frame, source="bench")
        took = time.perf_counter() - started
        if dash is not None:
            dash.close()
    return took / len(batch) * 1e6


def naive_baseline(batch: list[Any], rate: float) -> tuple[float, float, float]:
    """A live view without coalescing: one HTML widget per channel, set on every event."""
    with counting_comms() as log:
        store = vn.EventStore()
        panes = {name: widgets.HTML() for name in set(PANE_OF_CHANNEL.values())}

        def show(event: Any) -> None:
            pane = panes.get(PANE_OF_CHANNEL.get(event.channel, ""))
            if pane is not None:
                pane.value = f"<b>{html.escape(event.rtstream_name or '')}</b> {html.escape(event.text or '')}"

        store.subscribe(show)
        started = time.monotonic()
        achieved = offer(store, batch, rate)
        took = time.monotonic() - started
    updates = [m for m in log.messages if m.method == "update"]
    return len(updates) / took / len(panes), sum(m.size for m in updates) / took, achieved


def steer(dash: vn.Dashboard, seconds: float, started: float) -> None:
    """What a person does during the run, through the controls' traits as a browser sets them:
    pick a session at half time, type a filter, pause for a while, resume."""
    for at, action in ((0.5, lambda c: setattr(c.session, "value", "cap-007")),
                       (0.65, lambda c: setattr(c.filter, "value", "launch")),
                       (0.75, lambda c: setattr(c.pause, "value", True)),
                       (0.85, lambda c: setattr(c.pause, "value", False))):
        time.sleep(max(0.0, at * seconds - (time.monotonic() - started)))
        action(dash.controls)


def controls_of(dash: vn.Dashboard) -> dict[str, Any]:
    """The control widgets the dashboard itself updates as events arrive."""
    c = dash.controls
    return {"session picker": c.session, "stream picker": c.stream, "session id": c.session_id,
            "stream id": c.stream_id, "pause": c.pause}


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best, lo = 0, 0
    for hi, at in enumerate(times):
        while at - times[lo] > window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(seconds: float, rate: float, max_rate_hz: float, tail: int) -> bool:
    n = int(seconds * rate)
    batch = frames(n)
    sample = batch[:20_000]
    # interleaved, best of 3: the machine is shared, so the minimum is the least noisy figure
    alone = min(ingest_cost(sample, dashboard=False) for _ in range(3))
    attached = min(ingest_cost(sample, dashboard=True) for _ in range(3))
    print(f"ingest cost per event (best of 3, unpaced): store alone {alone:.1f} us, "
          f"with dashboard {attached:.1f} us (ratio {attached / alone:.2f})")

    flushes: dict[str, list[tuple[float, int]]] = defaultdict(list)
    arrivals: dict[int, float] = {}
    log: CommLog
    with counting_comms() as log:
        store = vn.EventStore()
        dash = vn.Dashboard(store, max_rate_hz=max_rate_hz, tail=tail, grid=True,
                            on_flush=lambda pane, seq, at: flushes[pane].append((at, seq)))
        started = time.monotonic()
        steering = threading.Thread(target=steer, args=(dash, seconds, started), daemon=True)
        steering.start()
        achieved = offer(store, batch, rate, arrivals)
        steering.join()
        dash.select(text="", session=None)  # everything again: the grid is rebuilt from the store
        deadline = time.monotonic() + 5
        while f">{len(store)}<" not in dash.panes["counters"].value and time.monotonic() < deadline:
            time.sleep(0.01)
        while dash.renderer.panes["grid"].last_seq < len(store) - 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        elapsed = time.monotonic() - started
        dash.stop()

    print(f"offered {rate:,.0f} events/s for {seconds:g} s: achieved {achieved:,.0f} events/s, "
          f"{n:,} events, max_rate_hz={max_rate_hz:g}, tail={tail}; machine load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    # messages and bytes per pane, and per control the dashboard updates itself
    ok = True
    print(f"{'pane':<16} {'msgs/s':>7} {'max in 1s':>9} {'KB/s':>8}")
    total_bytes = 0
    for name, widget in {**dash.panes, **controls_of(dash)}.items():
        updates = log.of(widget)
        size = sum(m.size for m in updates)
        total_bytes += size
        worst = max_in_window([m.at for m in updates])
        ok &= worst <= max_rate_hz + 1
        print(f"{name:<16} {len(updates) / elapsed:>7.2f} {worst:>9d} {size / elapsed / 1024:>8.1f}")
    print(f"all panes and controls: {total_bytes / elapsed / 1024:.1f} KB/s over {elapsed:.1f} s; "
          f"pickers list {len(dash.controls.session.options) - 1} sessions, "
          f"{len(dash.controls.stream.options) - 1} streams")

    # events lost: every event counted once and in the DataFrame
    snap = dash.counters.snapshot()
    stored, rejected = len(store), len(store.rejected)
    expected_rejected = sum(1 for f in batch if isinstance(f, str))
    lost = (n - expected_rejected) - snap.total
    df_ok = len(store.df) == stored and dash.renderer.panes["grid"].rows[-1][0] == store.df["seq"].iloc[-1]
    counts_ok = snap.counts == store.counts() and snap.rejected == rejected == expected_rejected
    print(f"events lost: {lost} (sent {n:,}, stored {stored:,}, rejected {rejected}, "
          f"dashboard counted {snap.total:,} + {snap.rejected} rejected; "
          f"per-channel counts match store: {counts_ok}; df tail matches: {df_ok})")
    ok &= lost == 0 and counts_ok and df_ok

    # latency: arrival -> first update of the event's pane whose state includes it, over the
    # first 40% (steering starts at half time and filters events out of their panes on purpose)
    latencies = []
    shown = {pane: ([seq for _, seq in done], [at for at, _ in done]) for pane, done in flushes.items()}
    unsteered = store.df.iloc[: n * 2 // 5]
    for seq, channel in zip(unsteered["seq"].tolist(), unsteered["channel"].astype(str).tolist(), strict=True):
        seqs, times = shown[PANE_OF_CHANNEL.get(channel, "counters")]
        latencies.append(times[bisect.bisect_left(seqs, seq)] - arrivals[seq])
    budget = 1 / max_rate_hz + 0.100
    print(f"latency arrival -> pane: p50 {percentile(latencies, .5) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, .99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
          f"(target <= {budget * 1000:.0f} ms)")
    ok &= max(latencies) <= budget

    naive_per_pane, naive_bytes, naive_rate = naive_baseline(batch[: int(rate)], rate)
    watched = {**dash.panes, **controls_of(dash)}
    ours_per_pane = sum(len(log.of(w)) for w in watched.values()) / elapsed / len(watched)
    print(f"baseline, naive per-event view for 1 s: {naive_per_pane:,.0f} msgs/s per pane, "
          f"{naive_bytes / 1024:,.0f} KB/s (achieved {naive_rate:,.0f} events/s); "
          f"ratio naive/dashboard messages per pane: {naive_per_pane / ours_per_pane:,.0f}x")
    print("targets met" if ok else "TARGETS MISSED")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=10_000.0, help="events per second offered")
    parser.add_argument("--max-rate-hz", type=float, default=4.0)
    parser.add_argument("--tail", type=int, default=50)
    args = parser.parse_args()
    ok = run(args.seconds, args.rate, args.max_rate_hz, args.tail)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()

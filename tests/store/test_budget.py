"""Memory budgets in bytes: `EventStore(max_bytes=)` and the webhook receiver's default store
hold what docs/LIMITS.md says they hold at worst; rejected frames keep a bounded prefix."""
from __future__ import annotations

import gc
import json
import re
from pathlib import Path

import pyarrow as pa
import pytest

from vdb_notebook.events.decode import KEPT_PREFIX_CHARS, KEPT_WHOLE_CHARS
from vdb_notebook.store import EventStore
from vdb_notebook.webhooks.receiver import STORE_MAX_BYTES, STORE_MAX_EVENTS

LIMITS = (Path(__file__).parents[2] / "docs" / "LIMITS.md").read_text(encoding="utf-8")


def documented_mib(name: str) -> int:
    """The figure docs/LIMITS.md gives, e.g. `worst case (alerts of 60 KB): 200 MiB`."""
    found = re.search(rf"{re.escape(name)}[^|\n]*?: (\d+) MiB", LIMITS)
    assert found, f"docs/LIMITS.md states no measured worst case for {name!r}"
    return int(found.group(1))


def alert(i: int, size: int) -> str:
    return json.dumps({"channel": "alert", "rtstream_id": "rts-1",
                       "data": {"label": "pii", "text": "x" * size + str(i),
                                "start": 1_710_000_000_000 + i}})


def arrow_peak(store: EventStore, frames) -> int:
    """Peak Arrow bytes while adding `frames` and reading every view now and then."""
    gc.collect()
    before = peak = pa.total_allocated_bytes()
    for i, frame in enumerate(frames):
        store.add(frame, source="webhook")
        if i % 250 == 0:
            store.df, store.alerts(), store.transcript(), store.lifecycle()
            peak = max(peak, pa.total_allocated_bytes())
    store.df, store.alerts(), store.transcript(), store.lifecycle(), store.sessions()
    return max(peak, pa.total_allocated_bytes()) - before


@pytest.mark.slow
def test_the_receivers_default_store_stays_within_its_documented_worst_case():
    store = EventStore(max_events=STORE_MAX_EVENTS, max_bytes=STORE_MAX_BYTES)
    peak = arrow_peak(store, (alert(i, 60_000) for i in range(1500)))
    assert store.dropped > 0  # the budget, not max_events, was what bound it
    assert peak <= documented_mib("default store, alerts of 60 KB") * 2**20, peak / 2**20


def test_max_bytes_bounds_what_is_held_and_keeps_the_newest():
    store = EventStore(max_bytes=2 * 2**20)
    for i in range(300):
        store.add(alert(i, 20_000))
    assert store.dropped > 0 and store._cols.bytes <= 2 * 2**20
    assert store.alerts()["start"].astype("int64").iloc[-1] == 1_710_000_000_000 + 299
    assert len(store) + store.dropped == 300


def test_one_event_larger_than_the_budget_is_still_kept():
    store = EventStore(max_bytes=1000)
    store.add(alert(1, 5000))
    assert len(store) == 1


def test_rejected_frames_keep_a_bounded_prefix_whatever_their_size(tmp_path):
    store = EventStore()
    small, big = "nope " * 10, "{" + "x" * 900_000  # not JSON, and far below the frame limit
    store.add(small)
    store.add(big)
    store.add({"channel": "gossip", "data": {"text": "y" * 50_000}})  # a dict, too
    kept, cut, cut_dict = store.rejected
    assert kept.raw == small and not kept.truncated
    assert len(cut.raw) == KEPT_PREFIX_CHARS and cut.truncated and cut.size == len(big)
    assert cut_dict.truncated and len(cut_dict.raw) == KEPT_PREFIX_CHARS
    lines = [json.loads(line) for line in
             store.to_jsonl(tmp_path / "out.jsonl").read_text().splitlines()]
    assert [line.get("truncated", False) for line in lines] == [False, True, True]
    assert lines[1]["size"] == len(big)
    assert KEPT_WHOLE_CHARS * store.max_rejected <= documented_mib(
        "rejected frames") * 2**20


def test_max_bytes_is_checked():
    with pytest.raises(ValueError, match="max_bytes"):
        EventStore(max_bytes=0)

"""Media cannot stall the emulator: a segment of a 24-hour window costs what a segment of a
10-second one does, a window's plan is made once, every parameter outside what can be served is
a 4xx (never a 5xx), encoding is bounded per client, and every stream URL the API hands out is
accepted by the media routes (a property test over real HTTP)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from videodb.video import Video

from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.media import configure, handlers, hls, plan
from vdb_notebook.emulator.media.limits import ClientLimits, TooManyRequests
from vdb_notebook.emulator.media.synth import Segment
from vdb_notebook.emulator.scenario import ORIGIN_MS
from vdb_notebook.schema.media import stream_url

T0 = ORIGIN_MS / 1000


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    configure(tmp_path_factory.mktemp("media"), max_bytes=64 * 1024 * 1024)
    with Emulator(speed="max", seed=0) as emulator:
        yield emulator
    configure()


@pytest.fixture(scope="module")
def rids(emu: Emulator) -> dict[str, str]:
    """The rtstream ids of an active capture session, by name."""
    conn = emu.connect()
    session = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(session.id)
    return {r.name: r.id for r in conn.get_capture_session(session.id).rtstreams}


@pytest.fixture(scope="module")
def video_id(emu: Emulator, exported_video: Callable[[Emulator], Video]) -> str:
    """The id of a capture session's exported video."""
    return str(exported_video(emu).id)


def api(emu: Emulator, path: str, **params: str) -> requests.Response:
    return requests.get(f"{emu.base_url}/{path}", params=params, timeout=30,
                        headers={"x-access-token": emu.api_key})


def count_calls(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_segment_of_a_day_long_window_costs_what_one_of_ten_seconds_does(emu: Emulator, rids: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    rid = rids["display:1"]
    lookups = count_calls(monkeypatch, plan, "window")
    plans_made = count_calls(monkeypatch, plan, "WindowPlan")
    short = stream_url(emu.base_url, rid, T0 + 90, T0 + 100).removesuffix(".m3u8")
    day = stream_url(emu.base_url, rid, T0 + 90, T0 + 90 + 86400).removesuffix(".m3u8")
    assert requests.get(f"{short}/1.ts", timeout=60).status_code == 200
    per_short = lookups[0]
    for n in (1, 2):
        lookups[0] = 0
        assert requests.get(f"{day}/{n}.ts", timeout=60).status_code == 200
        assert lookups[0] == per_short          # one segment's moments, not the day's 21,600
    for _ in range(3):
        assert requests.get(f"{day}.m3u8", timeout=60).text.count("#EXTINF") == 21600
    assert plans_made[0] == 2                   # the day's plan once (and its playlist with it)


@pytest.mark.parametrize("start, end", [
    ("-inf", "inf"), ("nan", "5"), ("1", "nan"), ("1e400", "1e401"), ("9" * 5000, "9" * 5001),
    ("-5", "10"), ("١٧٦٨٩١٢٥٩٠", "1768912600"), ("1768912590", "1768912590.0000001"),
    ("1768912590", str(1768912590 + 86401)), ("99999999999", "99999999999.5"), ("0x10", "0x20"),
])
def test_generate_stream_parameters_out_of_range_are_4xx(emu: Emulator, rids: dict[str, str], start: str, end: str) -> None:
    answer = api(emu, f"rtstream/{rids['display:1']}/stream", start=start, end=end)
    assert 400 <= answer.status_code < 500, (start, end, answer.status_code)
    assert answer.text    # JSON with a message; a request line over 8 KB is aiohttp's plain 400


@pytest.mark.parametrize("name", ["²", "9" * 5000 + ".ts", "٣.ts", "-1.ts", "1.ts.ts"])
def test_bad_segment_names_are_4xx(emu: Emulator, rids: dict[str, str], name: str) -> None:
    window = stream_url(emu.base_url, rids["display:1"], T0 + 90, T0 + 100).removesuffix(".m3u8")
    answer = requests.get(f"{window}/{name}", timeout=30)
    assert answer.status_code == 404 and "is not in this window" in answer.json()["message"]


@pytest.mark.parametrize("path", [
    "media/timeline/nope.m3u8", "media/timeline/rts-1.m3u8", "media/timeline/x", "media/timeline/" + "1" * 5000,
    "media/timeline/" + ",".join(["0000000010000000-0000000020000000"] * 2) + ".m3u8",
])
def test_bad_timelines_are_4xx(emu: Emulator, path: str) -> None:
    answer = requests.get(f"{emu.base_url}/{path}", timeout=30)
    assert 400 <= answer.status_code < 500 and answer.json()["message"]


def served(emu: Emulator, url: str) -> None:
    """The playlist at `url` answers 200 and its last segment resolves in the segment route."""
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 200, (url, answer.text)
    last = [line for line in answer.text.splitlines() if line and not line.startswith("#")][-1]
    rid, window, name = urljoin(url, last).split("/")[-3:]
    resolved = emu._call(lambda e: handlers.plan_of(e, rid, window))
    assert hls.parse_segment(name, resolved.count) == resolved.count - 1


times = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                  st.floats(min_value=T0 - 100, max_value=T0 + 200_000),
                  st.integers(min_value=-10**20, max_value=10**20))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=times, end=times)
def test_every_stream_url_the_api_hands_out_is_served(emu: Emulator, rids: dict[str, str],
                                                      start: float, end: float) -> None:
    answer = api(emu, f"rtstream/{rids['display:1']}/stream", start=repr(start), end=repr(end))
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        served(emu, answer.json()["data"]["stream_url"])


pairs = st.lists(st.tuples(st.floats(min_value=0, max_value=300), st.floats(min_value=0, max_value=300)),
                 min_size=1, max_size=6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(timeline=pairs)
def test_every_video_timeline_the_api_hands_out_is_served(emu: Emulator, video_id: str,
                                                          timeline: list[tuple[float, float]]) -> None:
    answer = requests.post(f"{emu.base_url}/video/{video_id}/stream", json={"timeline": timeline},
                           headers={"x-access-token": emu.api_key}, timeout=30)
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        url = answer.json()["data"]["stream_url"]
        served(emu, url)
        assert requests.get(url, timeout=30).text.count("#EXT-X-DISCONTINUITY") == len(timeline) - 1


def test_a_client_waits_for_its_own_slots_and_others_go_on() -> None:
    async def scenario() -> list[str]:
        limits, order, release = ClientLimits(per_client=1, max_waiting=1), [], asyncio.Event()

        async def work(client: str, label: str, hold: bool = False) -> None:
            async with limits.slot(client):
                order.append(label)
                if hold:
                    await release.wait()
        first = asyncio.create_task(work("a", "a1", hold=True))
        await asyncio.sleep(0)
        second = asyncio.create_task(work("a", "a2"))   # waits for a1
        await asyncio.sleep(0)
        with pytest.raises(TooManyRequests):             # a third in line is refused
            async with limits.slot("a"):
                pass
        await work("b", "b1")                            # another client is not held up
        release.set()
        await asyncio.gather(first, second)
        return order
    assert asyncio.run(scenario()) == ["a1", "b1", "a2"]


def test_a_cancelled_waiter_gives_its_place_back() -> None:
    async def scenario() -> int:
        limits, release = ClientLimits(per_client=1, max_waiting=1), asyncio.Event()

        async def hold() -> None:
            async with limits.slot("a"):
                await release.wait()
        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        late = asyncio.create_task(hold())                # the place in line is free again
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(holder, late)
        return len(limits._clients)
    assert asyncio.run(scenario()) == 0


def test_over_http_a_client_past_its_limit_is_answered_429_while_another_is_served(emu: Emulator, rids: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from vdb_notebook.emulator.media import synth

    real, release, started = synth.encode, threading.Event(), threading.Event()

    def slow_encode(seg: Segment) -> bytes:
        started.set()
        release.wait(60)
        return real(seg)
    monkeypatch.setattr(synth, "encode", slow_encode)
    monkeypatch.setattr(handlers, "limits", ClientLimits(per_client=1, max_waiting=0))
    window = stream_url(emu.base_url, rids["display:1"], T0 + 500, T0 + 520).removesuffix(".m3u8")
    page_a = {"Origin": "http://page-a.example"}
    first: list[requests.Response] = []
    holder = threading.Thread(target=lambda: first.append(requests.get(f"{window}/0.ts", headers=page_a, timeout=60)))
    holder.start()
    try:
        assert started.wait(30)                                      # page a is being encoded
        refused = requests.get(f"{window}/1.ts", headers=page_a, timeout=30)
        api_call = api(emu, f"rtstream/{rids['display:1']}")      # the API goes on meanwhile
    finally:
        release.set()
        holder.join(60)
    assert refused.status_code == 429 and "retry" in refused.json()["message"]
    assert api_call.status_code == 200
    assert first[0].status_code == 200
    other = requests.get(f"{window}/2.ts", headers={"Origin": "http://page-b.example"}, timeout=60)
    assert other.status_code == 200

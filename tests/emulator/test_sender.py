"""Webhooks the emulator sends: v2 lifecycle payloads built by webhooks.payloads, at-least-once
with retries, and the webhook faults (fail first K attempts, duplicate, reorder).

The receiver here is a real aiohttp server on the test's loop; the emulator posts to it over
real HTTP from its own thread.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

import vdb_notebook as vn
from vdb_notebook.emulator.matching import matches
from vdb_notebook.schema import media, payloads

LIFECYCLE = [f"capture_session.{s}" for s in ("created", "starting", "active", "stopping", "stopped", "exported")]


class Receiver:
    """Records every POST; answers 500 to the first `fail_first` of them."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.posts: list[dict] = []  # every POST body, failed ones included
        self.accepted: list[dict] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.posts.append(body)
        if len(self.posts) <= self.fail_first:
            return web.Response(status=500, text="try again")
        self.accepted.append(body)
        return web.json_response({"ok": True})

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def until(self, n: int, timeout: float = 10.0) -> list[dict]:
        """Wait until `n` payloads were accepted (a hang guard, not a timing assertion)."""
        for _ in range(int(timeout / 0.01)):
            if len(self.accepted) >= n:
                return self.accepted
            await asyncio.sleep(0.01)
        raise AssertionError(f"only {len(self.accepted)} of {n} webhooks arrived: {self.accepted}")


def run_session(emu, url):
    conn = vn.connect(emulator=emu)
    session = conn.create_capture_session(end_user_id="user_abc", callback_url=url)
    emu.start_capture(session.id)
    emu.stop_capture(session.id)
    return session.id


async def test_lifecycle_webhooks_are_the_payload_builders_output_in_order(emu):
    async with Receiver() as rx:
        sid = run_session(emu, rx.url)
        got = await rx.until(6)
    assert [p["event"] for p in got] == LIFECYCLE
    rtstreams = got[2]["data"]["rtstreams"]
    expected = payloads.lifecycle(sid, rtstreams=rtstreams, active_for=timedelta(seconds=emu.scenario.duration_s),
                                  media_base_url=emu.base_url)
    expected[-1]["data"]["exported_video_id"] = got[-1]["data"]["exported_video_id"]  # its own id stream
    assert got == expected
    assert [r["name"] for r in rtstreams] == ["mic:default", "system_audio:default", "display:1"]
    attempts = await asyncio.to_thread(lambda: emu.deliveries)
    assert [(d["event"], d["attempt"], d["ok"], d["status"]) for d in attempts] == [(e, 1, True, 200) for e in LIFECYCLE]


async def test_failed_session_webhook_carries_the_error(emu):
    async with Receiver() as rx:
        conn = vn.connect(emulator=emu)
        session = conn.create_capture_session(end_user_id="user_abc", callback_url=rx.url)
        emu.start_capture(session.id)
        emu.fail_capture(session.id, "display capture crashed")
        got = await rx.until(4)
    assert got[-1]["event"] == "capture_session.failed"
    assert got[-1]["data"]["error"] == {"message": "display capture crashed", "code": "capture_failed"}


async def test_receiver_errors_are_retried_until_delivered(emu):
    async with Receiver(fail_first=2) as rx:
        run_session(emu, rx.url)
        got = await rx.until(6)
    assert [p["event"] for p in got] == LIFECYCLE
    assert [p["event"] for p in rx.posts[:3]] == [LIFECYCLE[0]] * 3  # in order: nothing overtook the retries
    attempts = await asyncio.to_thread(lambda: emu.deliveries)
    assert [(d["attempt"], d["status"]) for d in attempts[:3]] == [(1, 500), (2, 500), (3, 200)]


async def test_fault_fail_first_attempts_then_deliver(emu):
    emu.set_faults(fail_webhooks=3)
    async with Receiver() as rx:
        run_session(emu, rx.url)
        got = await rx.until(6)
    assert [p["event"] for p in got] == LIFECYCLE and len(rx.posts) == 6  # failed attempts never reached it
    attempts = await asyncio.to_thread(lambda: emu.deliveries)
    assert [(d["attempt"], d["ok"]) for d in attempts[:4]] == [(1, False), (2, False), (3, False), (4, True)]
    assert attempts[0]["error"].startswith("injected fault")


async def test_fault_duplicates_every_webhook(emu):
    emu.set_faults(duplicate_webhooks=1)
    async with Receiver() as rx:
        run_session(emu, rx.url)
        got = await rx.until(12)
    assert [p["event"] for p in got] == [e for e in LIFECYCLE for _ in (1, 2)]
    assert got[0] == got[1]  # identical bodies: the receiver must deduplicate by content


async def test_fault_reorders_the_webhooks_of_one_change(emu):
    emu.set_faults(reorder_webhooks=True)
    async with Receiver() as rx:
        run_session(emu, rx.url)
        got = await rx.until(6)
    assert [p["event"].split(".")[1] for p in got] == [
        "created", "active", "starting", "stopped", "stopping", "exported"]  # the export is its own change


async def test_unreachable_callback_is_retried_then_given_up(emu):
    conn = vn.connect(emulator=emu)
    conn.create_capture_session(end_user_id="user_abc", callback_url="http://127.0.0.1:9/hook")
    await asyncio.to_thread(emu.wait_webhooks, 15)
    attempts = emu.deliveries
    assert [d["attempt"] for d in attempts] == [1, 2, 3, 4, 5, 6, 7]
    assert not any(d["ok"] for d in attempts) and all(d["error"] for d in attempts)


async def test_alert_webhook_goes_to_the_alert_callback_url(emu):
    async with Receiver() as rx:
        conn = vn.connect(emulator=emu)
        session = conn.create_capture_session(end_user_id="user_abc")
        emu.start_capture(session.id)
        system = conn.get_capture_session(session.id).get_rtstream("system_audio")[0]
        index = system.index_audio(prompt="Watch for secrets")
        event_id = conn.create_event(event_prompt="card numbers read aloud", label="sensitive_content")
        alert_id = index.create_alert(event_id, callback_url=rx.url)
        (got,) = await rx.until(1)
    start, end = payloads.EPOCH + timedelta(seconds=99), payloads.EPOCH + timedelta(seconds=106)
    (match,) = matches(emu.scenario, "system_audio", "card numbers read aloud")
    assert got == payloads.alert(label="sensitive_content", confidence=match.confidence, rtstream_id=system.id,
                                 start=start, end=end, explanation=got["explanation"], event_id=event_id,
                                 stream_start=payloads.EPOCH + timedelta(seconds=4), media_base_url=emu.base_url)
    assert "card number" in got["explanation"] and alert_id not in str(got)
    # as VideoDB's alerts page documents: video-time seconds, the clip's window in the stream URL
    assert (got["start_time"], got["end_time"], got["timestamp"]) == (95.0, 102.0, "2026-01-20T12:36:42Z")
    t0 = payloads.EPOCH.timestamp()
    assert media.parse_stream_url(got["stream_url"]) == (system.id, t0 + 99, t0 + 106)
    assert got["stream_url"].startswith(f"{emu.base_url}/media/rtstream/{system.id}/")
    assert got["player_url"] == media.player_url(emu.base_url, got["stream_url"])


async def test_no_callback_url_means_no_webhook(emu):
    conn = vn.connect(emulator=emu)
    session = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(session.id)
    await asyncio.to_thread(emu.wait_webhooks)
    assert emu.deliveries == []


async def test_many_sessions_share_a_bounded_pool_to_one_receiver_and_leave_no_chains() -> None:
    from vdb_notebook.emulator.faults import Faults
    from vdb_notebook.emulator.sender import CONNECTIONS_PER_RECEIVER, WebhookSender

    class Held(Receiver):
        """Holds every POST until released, counting how many are in flight at once."""

        in_flight = most = 0
        release = asyncio.Event()

        async def handle(self, request: web.Request) -> web.Response:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            await self.release.wait()
            self.in_flight -= 1
            return web.json_response({"ok": True})

    async with Held() as held:
        sender = WebhookSender(lambda: Faults())
        sessions = 3 * CONNECTIONS_PER_RECEIVER
        for n in range(sessions):
            sender.send(held.url, [{"event": "capture_session.active", "n": n}], key=f"cap-{n}")
        for _ in range(300):  # a hang guard: until the pool is full
            if held.in_flight == CONNECTIONS_PER_RECEIVER:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # time for a post beyond the pool to arrive, were there one
        held.release.set()
        await sender.idle()
        assert held.most == CONNECTIONS_PER_RECEIVER  # one receiver: at most this many
        assert sum(d["ok"] for d in sender.deliveries) == sessions
        assert sender._chains == {}  # finished chains are forgotten (one per session before)
        await sender.close()

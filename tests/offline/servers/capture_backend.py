"""A capture backend in the shape of VideoDB's quickstart backend.py, on aiohttp (already a
dependency): it creates capture sessions, receives the lifecycle webhooks and starts a
transcript when a session goes active. Plain `videodb` SDK code; the test runs it with
`python -m vdb_notebook.offline -m aiohttp.web ... capture_backend:make_app` and drives it
through its own HTTP routes.
"""
import videodb
from aiohttp import web

conn = videodb.connect()
events: list[str] = []


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def init_session(request: web.Request) -> web.Response:
    session = conn.create_capture_session(end_user_id="backend-user", collection_id="default",
                                          callback_url=f"http://{request.host}/webhook")
    return web.json_response({"session_id": session.id, "token": conn.generate_client_token()})


async def webhook(request: web.Request) -> web.Response:
    payload = await request.json()
    events.append(payload["event"])
    if payload["event"] == "capture_session.active":
        session = conn.get_capture_session(payload["capture_session_id"])
        session.get_rtstream("mic")[0].start_transcript()
    return web.json_response({"received": True})


async def transcript(request: web.Request) -> web.Response:
    mic = conn.get_capture_session(request.query["session_id"]).get_rtstream("mic")[0]
    records = mic.get_transcript(page_size=100).get("transcription_records", [])
    return web.json_response({"events": events, "lines": [r["text"] for r in records]})


def make_app(argv: list[str]) -> web.Application:
    app = web.Application()
    app.add_routes([web.get("/health", health), web.post("/init-session", init_session),
                    web.post("/webhook", webhook), web.get("/transcript", transcript)])
    return app

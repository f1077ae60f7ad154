"""Rtstreams, their transcripts and scene indexes, events and alerts."""
from __future__ import annotations

from typing import Any

from ..engine import Engine
from . import Req, action, int_param, ms_param, render


def list_rtstreams(engine: Engine, req: Req) -> Any:
    status, name = req.query.get("status"), req.query.get("name")
    found = [r for r in engine.state.rtstreams.values()
             if (not status or r.status == status) and (not name or name in r.name)]
    offset = int_param(req, "offset", 0, minimum=0)
    limit = int_param(req, "limit", len(found) or 1)
    return {"results": [render.rtstream(r) for r in found[offset:offset + limit]]}


def get_rtstream(engine: Engine, req: Req) -> Any:
    return render.rtstream(engine.state.rtstream(req.params["rid"]))


def set_rtstream_status(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    engine.set_rtstream_status(rts, "connected" if action(req, ("start", "stop")) == "start" else "stopped")
    return render.rtstream(rts)


# transcripts --------------------------------------------------------------------------------
def transcription(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    if action(req, ("start", "stop")) == "start":
        engine.start_transcript(rts, req.body.get("ws_connection_id"))
    else:
        engine.stop_transcript(rts)
    return {"rtstream_id": rts.id, "status": "running" if rts.transcript_running else "stopped",
            "engine": req.body.get("engine") or "assemblyai",
            "ws_connection_id": engine.state.target_ws(rts, rts.transcript_ws)}


def get_transcript(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    start, end, since = ms_param(req, "start"), ms_param(req, "end"), ms_param(req, "since")
    found = [s for s in rts.transcript
             if (start is None or s["end"] >= start) and (end is None or s["start"] <= end)
             and (since is None or s["start"] > since)]
    page_no, size = int_param(req, "page", 1), min(int_param(req, "page_size", 100), 1000)
    items, more = render.page(found, page_no, size)
    return {"rtstream_id": rts.id, "status": "running" if rts.transcript_running else "stopped",
            "segments": items, "page": page_no, "page_size": size, "total": len(found), "next_page": more}


# scene indexes --------------------------------------------------------------------------------
def create_index(engine: Engine, req: Req) -> Any:
    return render.index(engine.create_index(engine.state.rtstream(req.params["rid"]), req.body))


def list_indexes(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    return {"scene_indexes": [render.index(i) for i in engine.state.indexes_of(rts)]}


def get_scenes(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    index = engine.state.index(rts, req.params["idx"])
    start, end = ms_param(req, "start"), ms_param(req, "end")
    found = [r for r in index.records
             if (start is None or r["end"] >= start) and (end is None or r["start"] <= end)]
    items, more = render.page(found, int_param(req, "page", 1), int_param(req, "page_size", 100))
    return {"scene_index_records": items, "next_page": more}


def set_index_status(engine: Engine, req: Req) -> Any:
    index = engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])
    if action(req, ("start", "stop")) == "start":
        engine.start_index(index)
    else:
        engine.stop_index(index)
    return render.index(index)


def get_index(engine: Engine, req: Req) -> Any:
    return render.index(engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"]))


# events and alerts -----------------------------------------------------------------------------
def create_event(engine: Engine, req: Req) -> Any:
    return render.event(engine.state.create_event(req.body))


def list_events(engine: Engine, req: Req) -> Any:
    return {"events": [render.event(e) for e in engine.state.events.values()]}


def create_alert(engine: Engine, req: Req) -> Any:
    index = engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])
    return render.alert(engine.create_alert(index, req.body))


def list_alerts(engine: Engine, req: Req) -> Any:
    index = engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])
    return {"alerts": [render.alert(a) for a in engine.state.alerts_of(index)]}


def set_alert_status(engine: Engine, req: Req) -> Any:
    index = engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])
    alert = engine.state.alert(index, req.params["aid"])
    engine.state.set_alert_enabled(alert, action(req, ("enable", "disable")) == "enable")
    return render.alert(alert)

"""Scene indexes (index_visuals, index_audio, index_scenes, index_spoken_words), events, and
the alerts on a scene index or on an index of an understanding (the same calls on both)."""
from __future__ import annotations

from ..engine import Engine
from ..models import SceneIndex, StreamIndex
from . import Answer, Req, action, check_callback_url, records_page, render, start_or_stop


def create_index(engine: Engine, req: Req) -> Answer:
    return render.index(engine.create_index(engine.state.rtstream(req.params["rid"]), req.body))


def list_indexes(engine: Engine, req: Req) -> Answer:
    rts = engine.state.rtstream(req.params["rid"])
    return {"scene_indexes": [render.index(i) for i in engine.state.indexes_of(rts)]}


def _index(engine: Engine, req: Req) -> SceneIndex:
    return engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])


def get_index(engine: Engine, req: Req) -> Answer:
    return render.index(_index(engine, req))


def get_scenes(engine: Engine, req: Req) -> Answer:
    """Records so far, {start, end, description} in epoch seconds, overlapping start..end."""
    return records_page(_index(engine, req).records, req, "scene_index_records")


def set_index_status(engine: Engine, req: Req) -> Answer:
    return render.index(start_or_stop(req, _index(engine, req), engine.start_index, engine.stop_index))


# events -------------------------------------------------------------------------------------------
def create_event(engine: Engine, req: Req) -> Answer:
    return {"event_id": engine.state.alerting.create_event(req.body).id}


def list_events(engine: Engine, req: Req) -> Answer:
    return {"events": [render.event(e) for e in engine.state.alerting.events.values()]}


# alerts, on either kind of index ------------------------------------------------------------------
def _alerted(engine: Engine, req: Req) -> SceneIndex | StreamIndex:
    """The index an alert route names: rtstream/{rid}/index/{idx} or rtstream/{rid}/indexes/{iid}."""
    rts = engine.state.rtstream(req.params["rid"])
    if "iid" in req.params:
        return engine.state.stream_index(rts, req.params["iid"])
    return engine.state.index(rts, req.params["idx"])


def create_alert(engine: Engine, req: Req) -> Answer:
    check_callback_url(req)
    return {"alert_id": engine.create_alert(_alerted(engine, req), req.body).id}


def list_alerts(engine: Engine, req: Req) -> Answer:
    return {"alerts": [render.alert(engine.state, a) for a in engine.state.alerting.alerts_of(_alerted(engine, req))]}


def set_alert_status(engine: Engine, req: Req) -> Answer:
    alert = engine.state.alerting.alert(_alerted(engine, req), req.params["aid"])
    engine.state.alerting.set_enabled(alert, action(req, ("enable", "disable")) == "enable")
    return render.alert(engine.state, alert)

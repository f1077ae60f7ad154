"""rtstream.understand() and rtstream.index(): continuous VLM output and its indexes."""
from __future__ import annotations

from typing import Any

from ..engine import Engine
from ..errors import BadRequest
from ..models import StreamIndex, Understanding
from . import Req, action, int_param, query_value, render, seconds_param


def _understanding(engine: Engine, req: Req) -> Understanding:
    return engine.state.understanding(engine.state.rtstream(req.params["rid"]), req.params["uid"])


def _index(engine: Engine, req: Req) -> StreamIndex:
    return engine.state.stream_index(engine.state.rtstream(req.params["rid"]), req.params["iid"])


def _records(records: list[dict[str, Any]], req: Req) -> dict[str, Any]:
    """A page of records overlapping start..end (epoch seconds)."""
    start, end = seconds_param(req, "start"), seconds_param(req, "end")
    found = [r for r in records if (start is None or r["end"] >= start) and (end is None or r["start"] <= end)]
    items, more = render.page(found, int_param(req, "page", 1), int_param(req, "page_size", 100))
    return {"records": items, "next_page": more}


def understand(engine: Engine, req: Req) -> Any:
    return render.understanding(engine.create_understanding(engine.state.rtstream(req.params["rid"]), req.body))


def list_understandings(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    return {"understandings": [render.understanding(u) for u in engine.state.understandings.values()
                               if u.rtstream_id == rts.id]}


def get_understanding(engine: Engine, req: Req) -> Any:
    return render.understanding(_understanding(engine, req))


def set_understanding_status(engine: Engine, req: Req) -> Any:
    und = _understanding(engine, req)
    if action(req, ("start", "stop")) == "start":
        engine.start_understanding(und)
    else:
        engine.stop_understanding(und)
    return render.understanding(und)


def understanding_records(engine: Engine, req: Req) -> Any:
    und = _understanding(engine, req)
    output = query_value(req, "output") or und.output
    if output != und.output:
        raise BadRequest(f"output {output!r} is not an output of understanding {und.id}; it has {und.output!r}")
    return _records(und.records, req)


def create_index(engine: Engine, req: Req) -> Any:
    return render.stream_index(engine.create_stream_index(engine.state.rtstream(req.params["rid"]), req.body))


def list_indexes(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    return {"indexes": [render.stream_index(i) for i in engine.state.stream_indexes.values()
                        if i.rtstream_id == rts.id]}


def get_index(engine: Engine, req: Req) -> Any:
    return render.stream_index(_index(engine, req))


def set_index_status(engine: Engine, req: Req) -> Any:
    index = _index(engine, req)
    if action(req, ("start", "stop")) == "start":
        engine.start_stream_index(index)
    else:
        engine.stop_index(index)
    return render.stream_index(index)


def index_records(engine: Engine, req: Req) -> Any:
    return _records(_index(engine, req).records, req)

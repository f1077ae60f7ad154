"""rtstream.understand() and rtstream.index(): continuous VLM output and its indexes."""
from __future__ import annotations

from ..engine import Engine
from ..errors import BadRequest
from ..models import StreamIndex, Understanding
from . import Answer, Req, query_value, records_page, render, start_or_stop


def _understanding(engine: Engine, req: Req) -> Understanding:
    return engine.state.understanding(engine.state.rtstream(req.params["rid"]), req.params["uid"])


def _index(engine: Engine, req: Req) -> StreamIndex:
    return engine.state.stream_index(engine.state.rtstream(req.params["rid"]), req.params["iid"])


def understand(engine: Engine, req: Req) -> Answer:
    return render.understanding(engine.create_understanding(engine.state.rtstream(req.params["rid"]), req.body))


def list_understandings(engine: Engine, req: Req) -> Answer:
    rts = engine.state.rtstream(req.params["rid"])
    return {"understandings": [render.understanding(u) for u in engine.state.understandings_of(rts)]}


def get_understanding(engine: Engine, req: Req) -> Answer:
    return render.understanding(_understanding(engine, req))


def set_understanding_status(engine: Engine, req: Req) -> Answer:
    return render.understanding(start_or_stop(req, _understanding(engine, req),
                                              engine.start_understanding, engine.stop_understanding))


def understanding_records(engine: Engine, req: Req) -> Answer:
    und = _understanding(engine, req)
    output = query_value(req, "output") or und.output
    if output != und.output:
        raise BadRequest(f"output {output!r} is not an output of understanding {und.id}; it has {und.output!r}")
    return records_page(und.records, req, "records")


def create_index(engine: Engine, req: Req) -> Answer:
    return render.stream_index(engine.create_stream_index(engine.state.rtstream(req.params["rid"]), req.body))


def list_indexes(engine: Engine, req: Req) -> Answer:
    rts = engine.state.rtstream(req.params["rid"])
    return {"indexes": [render.stream_index(i) for i in engine.state.stream_indexes_of(rts)]}


def get_index(engine: Engine, req: Req) -> Answer:
    return render.stream_index(_index(engine, req))


def set_index_status(engine: Engine, req: Req) -> Answer:
    return render.stream_index(start_or_stop(req, _index(engine, req), engine.start_stream_index, engine.stop_index))


def index_records(engine: Engine, req: Req) -> Answer:
    return records_page(_index(engine, req).records, req, "records")

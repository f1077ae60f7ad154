"""The route table: one row per route, matched in one place, with clear 404 and 405 answers."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator import urls
from vdb_notebook.emulator.errors import ApiError, NotFound


def test_every_route_is_unique_and_control_routes_live_under_the_prefix():
    keys = [(r.method, r.path) for r in urls.ROUTES]
    assert len(keys) == len(set(keys))
    for route in urls.ROUTES:
        assert (route.access == "control") == route.path.startswith(urls.CONTROL_PREFIX), route
        assert route.access in ("api", "client", "control", "open")


def test_paths_match_with_their_parameters():
    route, params = urls.match("PATCH", "rtstream/rts-1/indexes/idx-2/alert/alert-3/status")
    assert route.handler.__name__ == "set_alert_status" and params == {"rid": "rts-1", "iid": "idx-2", "aid": "alert-3"}
    assert urls.match("POST", "rtstream/event")[0].handler.__name__ == "create_event"  # not rtstream/{rid}
    assert urls.match("POST", "_emulator/capture/cap-1/stop")[1] == {"sid": "cap-1", "verb": "stop"}


def test_unknown_paths_and_methods_say_what_exists():
    with pytest.raises(NotFound, match="no such endpoint: GET /nope"):
        urls.match("GET", "nope")
    with pytest.raises(ApiError, match="PUT is not allowed on /video/m-1; use DELETE or GET or PATCH") as err:
        urls.match("PUT", "video/m-1")
    assert err.value.status == 405

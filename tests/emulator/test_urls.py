"""The route table: one row per route, matched in one place, with clear 404 and 405 answers."""
from __future__ import annotations

from types import SimpleNamespace

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


def sdk_calls() -> set[tuple[str, str]]:
    """(METHOD, path) of every request the installed SDK's source makes, ids filled in."""
    import re
    from pathlib import Path

    import videodb
    from videodb._constants import ApiPath

    call = re.compile(r"\.(get|post|patch|put|delete)\(\s*(?:path=)?f?\"([^\"]+)\"")
    found = set()
    for source in Path(videodb.__file__).parent.rglob("*.py"):
        for method, template in call.findall(source.read_text(encoding="utf-8")):
            path = re.sub(r"\{ApiPath\.(\w+)\}", lambda m: getattr(ApiPath, m.group(1)), template)
            path = re.sub(r"\{[^}]*\}", "x-1", path)
            if "/" in path or hasattr(ApiPath, path):
                found.add((method.upper(), path.strip("/")))
    return found


def test_no_call_the_sdk_makes_is_answered_405():
    """A request the SDK really makes is served or 404 "run this against VideoDB", never 405."""
    calls = sdk_calls()
    assert ("POST", "video/x-1/search/v2") in calls and ("DELETE", "collection/x-1") in calls  # the scan works
    refused = []
    for method, path in sorted(calls):
        try:
            urls.match(method, path)
        except ApiError as exc:
            if exc.status == 405:
                refused.append(f"{method} /{path}: {exc.message}")
    assert refused == []


def test_calls_not_emulated_say_to_run_them_against_videodb():
    def answer(method: str, path: str) -> str:
        try:
            route, _ = urls.match(method, path)
        except NotFound as exc:
            return exc.message
        with pytest.raises(NotFound) as err:  # a path served for another method: not_emulated
            route.handler(None, SimpleNamespace(method=method, request=SimpleNamespace(match_info={"path": path})))
        return err.value.message

    for method, path in [("POST", "collection/default/upload"), ("GET", "video/m-1/index"),
                         ("POST", "collection/default/generate/text")]:
        assert "run this against VideoDB itself" in answer(method, path)

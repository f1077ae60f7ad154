"""Loop threads under descriptor exhaustion: a flood of idle sockets is reaped by the idle
timeout, the server answers again, and stderr gets a line, not a traceback per accept."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import urllib.request

import pytest

CHILD = textwrap.dedent("""
    import resource, sys, threading
    resource.setrlimit(resource.RLIMIT_NOFILE, (80, 80))
    from vdb_notebook.emulator import Emulator
    from vdb_notebook.webhooks import WebhookReceiver
    server = sys.argv[1]
    if server == "receiver":
        url = WebhookReceiver.start_sync(idle_timeout=0.5).url
    else:
        emu = Emulator(speed="max", idle_timeout=0.5, api_key="key-of-this-test").start()
        url = emu.base_url + "/_emulator/state"
    print(url, flush=True)
    threading.Event().wait()
""")


@pytest.mark.parametrize("server", ["receiver", "emulator"])
def test_a_flood_of_idle_sockets_is_reaped_and_logged_once(tmp_path, server):
    errors = tmp_path / "stderr.txt"
    with open(errors, "w") as stderr:
        child = subprocess.Popen([sys.executable, "-c", CHILD, server], stdout=subprocess.PIPE,
                                 stderr=stderr, text=True, env={**os.environ})
    try:
        url = child.stdout.readline().strip()
        host, port = url.split("//")[1].split("/")[0].split(":")
        flood = [socket.create_connection((host, int(port)), timeout=10) for _ in range(150)]
        request = urllib.request.Request(url, json.dumps({"event": "x"}).encode(),
                                         {"Content-Type": "application/json",
                                          "x-access-token": "key-of-this-test"},
                                         method="POST" if server == "receiver" else "GET")
        # answered once the idle sockets are closed (bounded by the timeout, not measured)
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert answer.status in (200, 202)
        for sock in flood:
            sock.close()
    finally:
        child.kill()
        child.wait()
    lines = errors.read_text().splitlines()
    assert any("Too many open files" in line for line in lines)  # the flood did exhaust it
    assert len(lines) <= 5, lines[:20]

"""Fixtures shared by the tests that drive the real SDK against the emulator."""
from __future__ import annotations

import contextlib

import pytest

from vdb_notebook.emulator import Emulator


@pytest.fixture
def emu():
    """The standup scenario, as fast as the socket goes, seed 0."""
    with Emulator(scenario="standup", speed="max", seed=0) as emulator:
        yield emulator


@pytest.fixture
def active_session():
    """`active_session(conn, emu, ws_connection_id=None)`: a capture session made active by the
    emulator's desktop-client part (as the SDK sees it), and its rtstreams by name."""
    def make(conn, emulator, ws_connection_id=None):
        session = conn.create_capture_session(end_user_id="user_abc",
                                              ws_connection_id=ws_connection_id)
        emulator.start_capture(session.id)
        session = conn.get_capture_session(session.id)
        return session, {r.name: r for r in session.rtstreams}
    return make


# --- JupyterLab and Chromium, for browser tests ----------------------------------------------------
CHROMIUM = "/usr/bin/chromium"


class JupyterLab:
    """`jupyter lab` on loopback in its own process group, over `root`, with Jupyter dirs of its
    own (a python3 kernelspec running this interpreter; kernels start without asking)."""

    def __init__(self, root, home, log) -> None:
        import json
        import os
        import socket
        import subprocess
        import sys

        kernel = home / "data" / "kernels" / "python3"
        kernel.mkdir(parents=True)
        kernel.joinpath("kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python"}))
        settings = home / "lab-settings" / "@jupyterlab"
        for plugin, values in {"apputils-extension/notification": {"fetchNews": "false"},
                               "notebook-extension/tracker": {"autoStartDefaultKernel": True}}.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {k: v for k, v in os.environ.items() if k != "VIDEO_DB_API_KEY"}  # offline
        env.update(JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"),
                   JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.root, self.url = root, f"http://127.0.0.1:{port}"
        self._log = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.token=",
             "--ServerApp.password=", f"--port={port}", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0", "--ServerApp.allow_root=True",
             f"--LabApp.user_settings_dir={home / 'lab-settings'}",
             f"--LabApp.workspaces_dir={home / 'lab-workspaces'}"],
            cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 90.0) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}; see {self._log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"jupyter lab did not answer within {timeout:.0f} s; see {self._log.name}")

    def stop(self) -> None:
        """End the server's process group, then whatever of its tree is left (kernels)."""
        import os
        import signal
        import subprocess

        import psutil

        tree = psutil.Process(self.process.pid).children(recursive=True)
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        for child in tree:
            with contextlib.suppress(psutil.Error):
                child.kill()
        self._log.close()


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """A JupyterLab serving a fresh folder (`.root`, `.url`) for the whole session; skipped when
    JupyterLab or Debian's Chromium is missing. Its log goes to test-artifacts/jupyterlab-session.log."""
    import importlib.util
    from pathlib import Path

    if importlib.util.find_spec("jupyterlab") is None or importlib.util.find_spec("playwright") is None:
        pytest.skip("jupyterlab and playwright are needed (pip install -e .[test])")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    root = tmp_path_factory.mktemp("lab-root")
    lab = JupyterLab(root, tmp_path_factory.mktemp("lab-home"), artifacts / "jupyterlab-session.log")
    try:
        lab.wait_ready()
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def chromium_page():
    """A page in headless Debian Chromium (closed after the test)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--autoplay-policy=no-user-gesture-required"])
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1200})
        finally:
            browser.close()

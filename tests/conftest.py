"""Fixtures shared by the tests that drive the real SDK against the emulator."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from vdb_notebook.emulator import Emulator

# --- the `slow` marker: what a developer may skip locally with -m "not slow" (CI runs all) ------
#: Tests that take seconds by nature (a browser, a kernel, subprocesses killed mid-burst, many
#: generated examples), by file and name (every parameter of a name). Browser tests are slow too.
SLOW = {
    "test_binder.py": {"test_binder_requirements_resolve"},
    "test_notebooks.py": {"test_the_readme_snippet_run_top_to_bottom_shows_events"},
    "test_aio.py": {"test_a_flood_of_idle_sockets_is_reaped_and_logged_once"},
    "emulator/test_fuzz.py": {"test_json_objects_with_the_fields_routes_read", "test_random_bytes",
                              "test_json_of_any_depth"},
    "emulator/test_clock.py": {"test_cli_serves_the_wall_clock", "test_clock_option_reaches_connect_and_the_cli"},
    "emulator/responses/test_control.py": {"test_cli_prints_base_url_and_key_and_serves",
                                           "test_cli_rejects_an_unknown_scenario"},
    "emulator/test_server.py": {"test_no_input_makes_any_api_route_answer_5xx"},
    "store/test_store.py": {"test_no_input_makes_add_raise_and_everything_is_accounted_for",
                            "test_frames_rejected_for_their_size_are_not_kept_whole",
                            "test_views_and_round_trip_work_on_whatever_was_accepted"},
    "store/test_dataset.py": {"test_dask_on_a_distributed_cluster_reads_the_same_dataset"},
    "webhooks/test_receiver_crash.py": {"test_kill_9_mid_burst_loses_nothing_and_repeats_at_most_workers_per_crash"},
    "webhooks/test_exactly_once.py": {"test_kill_9_three_times_mid_burst_then_each_acknowledged_delivery_once"},
    "emulator/media/test_timeline.py": {"test_a_video_timeline_of_two_windows_is_one_playlist_pyav_decodes"},
    "webhooks/test_processor.py": {"test_a_stuck_sync_handler_does_not_keep_the_process_alive_after_close",
                                   "test_close_honours_its_timeout_when_an_async_handler_blocks_its_loop"},
    "widgets/test_markup.py": {"test_panes_hold_a_bounded_amount_of_text"},
    "widgets/test_dashboard.py": {"test_dashboard_on_a_real_feed_shows_the_standup_and_ends_when_it_closes"},
    "pipelines/test_adopt.py": {"test_a_second_process_adopts_rebinds_and_starts_nothing_twice"},
}
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.resolve()
        relative = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else ""
        name = getattr(item, "originalname", item.name)  # doctest and nbval items have none
        if item.get_closest_marker("browser") or name in SLOW.get(relative, ()):
            item.add_marker(pytest.mark.slow)
    items[:] = longest_files_first(items)


def longest_files_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The same items, whole files in the order they should start when `dev.py test` spreads
    files over workers (pytest-xdist --dist loadfile --no-loadscope-reorder): files with a
    browser test, then notebooks and files with slow tests, then the rest, each group in
    collection order. The longest files starting last would leave one worker running them
    alone at the end."""
    rank: dict[Path, int] = {}
    for item in items:
        here = 0 if item.get_closest_marker("browser") else (
            1 if item.path.suffix == ".ipynb" or item.get_closest_marker("slow") else 2)
        rank[item.path] = min(rank.get(item.path, 2), here)
    return sorted(items, key=lambda item: rank[item.path])


@pytest.fixture
def own_emulator():
    """A new emulator for one test: the standup scenario at speed "max", seed 0. For tests of
    what remembers a service by its URL (the pipelines registry), which a reset cannot reach."""
    with Emulator(scenario="standup", speed="max", seed=0) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def shared_emulator():
    """One emulator for the whole session (the `emu` fixture resets it for each test)."""
    with Emulator(scenario="standup", speed="max", seed=0) as emulator:
        yield emulator


@pytest.fixture
def emu(shared_emulator):
    """The standup scenario, as fast as the socket goes, seed 0: the session's shared emulator,
    reset before each test to what a new one would be (no sessions, pipelines, sockets,
    deliveries or faults; speed "max"; the same ids from seed 0), and started again if a test
    stopped it. A test that needs another kind of emulator makes its own (`with Emulator(...)`)."""
    emulator = shared_emulator.start()
    emulator.set_faults(replace=True)
    emulator.set_speed("max")
    emulator.reset(seed=0)
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_jupyter_env(home: Path) -> dict[str, str]:
    """Jupyter dirs of our own, with a python3 kernelspec that runs this very interpreter, and
    JupyterLab settings that start the notebook's kernel without asking and keep the news toast
    from covering the page."""
    data, config, runtime = home / "data", home / "config", home / "runtime"
    spec = data / "kernels" / "python3"
    spec.mkdir(parents=True)
    config.mkdir()
    runtime.mkdir()
    settings = home / "lab-settings" / "@jupyterlab"
    for plugin, values in {"apputils-extension/notification": {"fetchNews": "false"},
                           "notebook-extension/tracker": {"autoStartDefaultKernel": True}}.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python",
    }))
    env = dict(os.environ)
    env.update(JUPYTER_DATA_DIR=str(data), JUPYTER_CONFIG_DIR=str(config),
               JUPYTER_RUNTIME_DIR=str(runtime), IPYTHONDIR=str(home / "ipython"),
               JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
    env.pop("VIDEO_DB_API_KEY", None)  # offline, whatever the environment says
    return env


#: frontend -> (jupyter subcommand, its application class, the notebook's URL path)
FRONTENDS = {
    "jupyterlab": ("lab", "LabApp", "/lab/tree/dashboard.ipynb"),
    "notebook7": ("notebook", "JupyterNotebookApp", "/notebooks/dashboard.ipynb"),
}


def accept_kernel_dialog(page) -> None:
    """JupyterLab sometimes still asks which kernel to use (a race with loading the kernelspecs,
    even with kernelspec metadata and autoStartDefaultKernel): answer with the preselected one."""
    try:
        page.wait_for_selector(".jp-Dialog", timeout=2_000)
    except Exception:
        return
    page.click(".jp-Dialog .jp-mod-accept")


class Lab:
    """`jupyter lab` (or `jupyter notebook`) in its own process group; `stop()` ends it, its
    kernels included."""

    def __init__(self, frontend: str, root: Path, home: Path, log: Path) -> None:
        command, app, self.path = FRONTENDS[frontend]
        self.root = root
        env = isolated_jupyter_env(home)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", command, "--no-browser", "--ServerApp.token=",
             "--ServerApp.password=", f"--port={self.port}", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
             "--ServerApp.allow_root=True",  # CI and containers run as root
             "--ServerApp.disable_check_xsrf=True",  # shutdown_kernels() calls the REST API
             f"--{app}.user_settings_dir={home / 'lab-settings'}",
             f"--{app}.workspaces_dir={home / 'lab-workspaces'}"],
            cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}; see {self._log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"jupyter lab did not answer within {timeout:.0f} s; see {self._log.name}")

    accept_kernel_dialog = staticmethod(accept_kernel_dialog)

    def open_and_run_all(self, page, path: str) -> None:
        """Open `path` (after the server's URL) and run all its cells with Run > Run All Cells.
        JupyterLab may ask which kernel to use at any point while it loads, and a dialog then
        swallows the command: until the first cell is queued or has run, answer any dialog and
        run all again (a queued cell shows [*] at once, so a run never starts twice)."""
        page.goto(self.url + path, wait_until="domcontentloaded")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        first_prompt = ".jp-Notebook .jp-Cell.jp-CodeCell .jp-InputArea-prompt"
        for attempt in range(4):
            accept_kernel_dialog(page)
            page.click(".jp-NotebookPanel .jp-Cell")  # focus the notebook
            page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            try:
                page.wait_for_function(
                    "s => /[*0-9]/.test(document.querySelector(s)?.textContent ?? '')",
                    arg=first_prompt, timeout=20_000)
                return
            except Exception:
                if attempt == 3:
                    raise

    @staticmethod
    def outputs(page) -> list[str]:
        """The text of every output on the page (for a failure's message: what the cells said)."""
        return page.locator(".jp-OutputArea-output").all_inner_texts()

    def shutdown_kernels(self) -> None:
        """Shut down every kernel the server runs (a test sharing the session's server ends
        what its notebook started)."""
        with urllib.request.urlopen(f"{self.url}/api/kernels", timeout=30) as answer:
            kernels = json.load(answer)
        for kernel in kernels:
            request = urllib.request.Request(f"{self.url}/api/kernels/{kernel['id']}", method="DELETE")
            urllib.request.urlopen(request, timeout=30).close()

    def stop(self) -> None:
        """End the server's process group (SIGTERM lets it shut its kernels down), then any
        process of its tree still alive (kernels run in process groups of their own)."""
        tree = _descendants(self.process.pid)
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        for child in tree:
            try:
                child.kill()
            except Exception:  # already gone
                pass
        self._log.close()


def _descendants(pid: int) -> list:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []



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
    lab = Lab("jupyterlab", root, tmp_path_factory.mktemp("lab-home"), artifacts / "jupyterlab-session.log")
    try:
        lab.wait_ready()
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def start_jupyter():
    """`start_jupyter(frontend, root, home, log)`: a `Lab` ("jupyterlab" or "notebook7") that the
    test starts, waits for and stops itself."""
    return Lab


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

"""The pytest plugin: registered by the package's entry point; its fixture; `--videodb-offline`
for a whole session, nbval kernels included. The inner sessions load the plugin by module name
(`-p no:vdb_notebook` first, so an installed entry point does not load it a second time)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent))
from offline_support import ROOT, clean_env

PLUGIN = ["-p", "no:vdb_notebook", "-p", "vdb_notebook.offline.pytest_plugin"]


def inner_pytest(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    (cwd / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *PLUGIN, *args],
                          cwd=cwd, env=clean_env(), capture_output=True, text=True, check=False, timeout=timeout)


def test_the_entry_point_names_the_plugin_module():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    entry = pyproject["project"]["entry-points"]["pytest11"]
    assert entry == {"vdb_notebook": "vdb_notebook.offline.pytest_plugin"}
    from vdb_notebook.offline import pytest_plugin
    assert callable(pytest_plugin.pytest_addoption) and hasattr(pytest_plugin, "videodb_emulator")


def test_the_fixture_redirects_the_code_under_test(tmp_path):
    (tmp_path / "test_users_backend.py").write_text(textwrap.dedent('''
        import videodb

        def test_backend(videodb_emulator):
            conn = videodb.connect()
            session = conn.create_capture_session(end_user_id="u1")
            assert videodb_emulator.start_capture(session.id)["status"] == "active"

        def test_without_the_fixture_nothing_is_redirected():
            assert videodb.connect(api_key="k").base_url == "https://api.videodb.io"
    '''))
    done = inner_pytest(["-q", "--videodb-speed", "max"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


SUBPROCESS_TEST = textwrap.dedent('''
    import subprocess, sys
    import videodb

    def test_this_process_and_a_child_are_offline():
        here = videodb.connect().base_url
        child = subprocess.run([sys.executable, "-c", "import videodb; print(videodb.connect().base_url)"],
                               capture_output=True, text=True)
        assert child.stdout.strip() == here != "https://api.videodb.io", child.stderr
''')


def test_videodb_offline_runs_the_session_and_its_children_offline(tmp_path):
    (tmp_path / "test_users_cli.py").write_text(SUBPROCESS_TEST)
    done = inner_pytest(["-q", "--videodb-offline"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    without = inner_pytest(["-q"], tmp_path)
    assert without.returncode == 1 and "AuthenticationError" in without.stdout


def users_notebook() -> nbformat.NotebookNode:
    """A notebook that calls the plain SDK, with the outputs it gives offline saved."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    cell = nbformat.v4.new_code_cell("import videodb\nconn = videodb.connect()\nprint(conn.get_collection().id)")
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="default\n")]
    nb.cells = [cell]
    return nb


def test_nbval_notebooks_run_offline_in_their_kernels(tmp_path):
    nbformat.write(users_notebook(), tmp_path / "mine.ipynb")
    done = inner_pytest(["-q", "--nbval", "--videodb-offline", "mine.ipynb"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    without = inner_pytest(["-q", "--nbval", "mine.ipynb"], tmp_path)
    assert without.returncode == 1 and "AuthenticationError" in without.stdout

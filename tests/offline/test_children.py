"""children.py: the environment that redirects child processes, and its start-up hook."""
from __future__ import annotations

import os
import subprocess
import sys

from vdb_notebook.offline.children import KEY_ENV, SITE_DIR, URL_ENV, child_environment


def run_child(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, timeout=60)


def test_a_child_redirects_only_once_it_imports_videodb():
    env = child_environment("http://127.0.0.1:8765", "emu-local-key", os.environ)
    done = run_child("import sys; print('videodb' in sys.modules)\n"
                     "import videodb; c = videodb.connect(api_key='sk-x'); print(c.base_url, c.api_key)", env)
    assert done.stdout.split("\n")[:2] == ["False", "http://127.0.0.1:8765 emu-local-key"], done.stderr


def test_without_the_variables_the_hook_does_nothing():
    env = child_environment("http://127.0.0.1:8765", "emu-local-key", os.environ)
    env.pop(URL_ENV), env.pop(KEY_ENV)
    done = run_child("import videodb; print(videodb.connect(api_key='k').base_url)", env)
    assert done.stdout.strip() == "https://api.videodb.io", done.stderr


def test_a_sitecustomize_the_hook_shadows_still_runs(tmp_path):
    (tmp_path / "sitecustomize.py").write_text("import builtins; builtins.SHADOWED_RAN = True\n")
    env = child_environment("http://127.0.0.1:8765", "emu-local-key",
                            {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(SITE_DIR)
    done = run_child("import builtins; print(getattr(builtins, 'SHADOWED_RAN', False))", env)
    assert done.stdout.strip() == "True", done.stderr

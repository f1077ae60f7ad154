"""The public names of `vdb_notebook`, pinned (as httpx's tests/test_exported_members.py and
websockets' tests/test_exports.py do), and seen with their real types by a type checker."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import vdb_notebook as vn

ROOT = Path(__file__).resolve().parents[1]

PUBLIC = [
    "Dashboard", "Emulator", "EventStore", "Feed", "FeedState", "WebhookReceiver", "__version__",
    "alert_context", "clip", "clip_options", "compact_dataset", "connect", "grid", "mock_videodb", "open_dataset", "replay",
    "replay_async", "scan_dataset", "start_pipelines", "timeline", "webhooks",
]


def test_the_exported_names_are_pinned() -> None:
    assert sorted(vn.__all__) == sorted(PUBLIC)
    assert dir(vn) == sorted(PUBLIC)


def test_every_exported_name_resolves_to_its_object() -> None:
    for name in PUBLIC:
        value = getattr(vn, name)
        assert value is not None, name
        if callable(value) and name != "webhooks":
            assert value.__name__ == name or name == "connect", (name, value)


def test_type_checkers_import_every_public_name() -> None:
    """The TYPE_CHECKING block beside the lazy __getattr__ names each export once."""
    tree = ast.parse((ROOT / "vdb_notebook" / "__init__.py").read_text())
    block, = [node for node in tree.body if isinstance(node, ast.If)
              and getattr(node.test, "id", None) == "TYPE_CHECKING"]
    imported = [alias.asname or alias.name for node in block.body
                for alias in node.names]  # type: ignore[attr-defined]
    deprecated = {"clips"}  # kept one release, not exported
    assert sorted(set(imported) - deprecated) == sorted(set(PUBLIC) - {"__version__"})
    assert all(alias.asname == alias.name for node in block.body
               for alias in node.names)  # type: ignore[attr-defined]  # 'X as X': re-exported


def test_mypy_sees_the_real_types_of_public_names(tmp_path) -> None:
    program = tmp_path / "user_code.py"
    program.write_text(
        "import vdb_notebook as vn\n"
        "store = vn.EventStore()\n"
        "reveal_type(store)\n"
        "reveal_type(store.transcript())\n"
        "reveal_type(vn.Feed.open)\n"
        "reveal_type(vn.FeedState.OPEN)\n"
        "reveal_type(vn.webhooks.read_payloads)\n"
        "reveal_type(vn.WebhookReceiver.start_sync().store)\n"
        "reveal_type(vn.WebhookReceiver(store).store.transcript())\n"
        "class Counting:\n"
        "    def add(self, frame, *, source='ws', received_at_ms=None, key=None): ...\n"
        "    def __len__(self) -> int: return 0\n"
        "reveal_type(vn.WebhookReceiver(Counting()).store)\n")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
         "--follow-imports=silent", "--config-file", str(ROOT / "pyproject.toml"), str(program)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    revealed = [line.split("Revealed type is ", 1)[1] for line in done.stdout.splitlines()
                if "Revealed type is" in line]
    assert len(revealed) == 8, done.stdout + done.stderr
    assert revealed[0] == '"vdb_notebook.store.store.EventStore"'
    assert revealed[1] == '"pandas.core.frame.DataFrame"'
    assert "vdb_notebook.feed.feed.Feed" in revealed[2] and "Coroutine" in revealed[2]
    assert "vdb_notebook.feed.state.FeedState" in revealed[3]
    assert "-> list[dict[str, Any]]" in revealed[4]
    # a receiver's store is what it was given, else an EventStore: no narrowing needed
    assert revealed[5] == '"vdb_notebook.store.store.EventStore"'
    assert revealed[6] == '"pandas.core.frame.DataFrame"'
    assert revealed[7] == '"user_code.Counting"'
    assert revealed[0].strip('"') != "Any"

"""redirect.py's bookkeeping: VIDEO_DB_API_KEY and the target stack, pushed and popped in any order."""
from __future__ import annotations

import os

import pytest
import videodb

from vdb_notebook.offline import redirect
from vdb_notebook.offline.redirect import Target

A = Target("http://127.0.0.1:1001", "emu-key-a")
B = Target("http://127.0.0.1:1002", "emu-key-b")


@pytest.fixture(autouse=True)
def no_key(monkeypatch):
    monkeypatch.delenv("VIDEO_DB_API_KEY", raising=False)
    monkeypatch.delenv("VDB_OFFLINE_KEY", raising=False)
    yield
    assert redirect.active() is None


def test_each_pop_puts_back_the_key_its_push_found():
    first = redirect.push(A)
    assert os.environ["VIDEO_DB_API_KEY"] == "emu-key-a"
    del os.environ["VIDEO_DB_API_KEY"]  # code under the redirect removes it (as notebook 06 does)
    second = redirect.push(B)
    assert videodb.connect().base_url == B.base_url
    redirect.pop(second)
    assert "VIDEO_DB_API_KEY" not in os.environ  # as the inner push found it
    redirect.pop(first)
    assert "VIDEO_DB_API_KEY" not in os.environ


def test_a_users_key_is_never_replaced_in_the_environment(monkeypatch):
    monkeypatch.setenv("VIDEO_DB_API_KEY", "sk-user")
    token = redirect.push(A)
    assert os.environ["VIDEO_DB_API_KEY"] == "sk-user"
    assert videodb.connect().api_key == "emu-key-a"  # but the connection carries the emulator's
    redirect.pop(token)
    assert os.environ["VIDEO_DB_API_KEY"] == "sk-user"


def test_an_inherited_placeholder_is_replaced_and_put_back(monkeypatch):
    monkeypatch.setenv("VDB_OFFLINE_KEY", "emu-parent")
    monkeypatch.setenv("VIDEO_DB_API_KEY", "emu-parent")  # a child of a redirected process
    token = redirect.push(A)
    assert os.environ["VIDEO_DB_API_KEY"] == "emu-key-a"
    redirect.pop(token)
    assert os.environ["VIDEO_DB_API_KEY"] == "emu-parent"


def test_popping_out_of_order_leaves_the_inner_target_and_restores_at_the_end():
    outer, inner = redirect.push(A), redirect.push(B)
    redirect.pop(outer)
    assert redirect.active() == B and os.environ["VIDEO_DB_API_KEY"] == "emu-key-b"
    redirect.pop(inner)
    assert "VIDEO_DB_API_KEY" not in os.environ
    redirect.pop(inner)  # a second pop of the same token does nothing

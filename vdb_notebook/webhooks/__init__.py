"""Webhooks: payload builders, an at-least-once sender, and a deduplicating receiver.

    >>> import vdb_notebook as vn
    >>> vn.webhooks.build("active", capture_session_id="cap-1")["event"]
    'capture_session.active'
"""
from __future__ import annotations

from .payloads import EPOCH, alert, build, default_rtstreams, lifecycle

__all__ = ["EPOCH", "alert", "build", "default_rtstreams", "lifecycle"]

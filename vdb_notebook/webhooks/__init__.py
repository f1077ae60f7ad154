"""Webhooks: payload builders, an at-least-once sender, and a deduplicating receiver.

    >>> import vdb_notebook as vn
    >>> vn.webhooks.build("active", capture_session_id="cap-1")["event"]
    'capture_session.active'
    >>> rx = await vn.WebhookReceiver.start()                             # doctest: +SKIP
    >>> await vn.webhooks.deliver(rx.url, vn.webhooks.lifecycle("cap-1"))  # doctest: +SKIP
    DeliverySummary(events=6, sends=6, attempts=6, delivered=6, failed=0)
"""
from __future__ import annotations

from ..schema import EPOCH
from ..schema.payloads import alert, build, default_rtstreams, lifecycle
from .deliver import DeliverySummary, deliver, deliver_sync
from .journal import read_journal, read_payloads
from .processor import WebhookPayload
from .receiver import ReceiverStats, WebhookReceiver
from .signing import new_secret, sign

__all__ = ["EPOCH", "DeliverySummary", "ReceiverStats", "WebhookPayload", "WebhookReceiver",
           "alert", "build", "default_rtstreams", "deliver", "deliver_sync", "lifecycle",
           "new_secret", "read_journal", "read_payloads", "sign"]

"""Passes: the tokens that open a WebSocket URL (tickets) and the desktop capture client's
endpoints (client tokens), each valid until it expires on a monotonic clock.

A self-contained piece of the state (as moto's KeyPairBackend): it keeps its own tokens and
forgets expired ones as it issues new ones, so they cannot pile up. Never the API key.

    >>> from vdb_notebook.emulator.models import Ids
    >>> now = [100.0]
    >>> passes = Passes(Ids(0), now=lambda: now[0])
    >>> ticket = passes.issue_ws_ticket(ttl_s=60)
    >>> passes.ws_ticket_valid(ticket), passes.ws_ticket_valid("wst-guessed")
    (True, False)
    >>> now[0] += 61; passes.ws_ticket_valid(ticket)
    False
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable

from .errors import BadRequest
from .models import Ids


class Passes:
    """WebSocket tickets and client tokens -> when each expires (on `now`, monotonic seconds)."""

    def __init__(self, ids: Ids, now: Callable[[], float] = time.monotonic) -> None:
        self.ids = ids
        self.now = now
        self.ws_tickets: dict[str, float] = {}
        self.client_tokens: dict[str, float] = {}

    def issue_ws_ticket(self, ttl_s: float) -> str:
        """A token for one WebSocket URL, usable for `ttl_s` seconds."""
        return self._issue(self.ws_tickets, "wst", ttl_s)

    def ws_ticket_valid(self, ticket: object) -> bool:
        """True while a ticket from `issue_ws_ticket` may still open a WebSocket."""
        return self.ws_tickets.get(str(ticket), -math.inf) >= self.now()

    def issue_client_token(self, expires_in: object) -> str:
        """conn.generate_client_token(expires_in): a token for the desktop capture client."""
        if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
            raise BadRequest(f"expires_in must be a positive number of seconds, not {expires_in!r}")
        return self._issue(self.client_tokens, "ct", expires_in)

    def client_token_valid(self, token: object) -> bool:
        """True while a token from `issue_client_token` has not expired."""
        return self.client_tokens.get(str(token), -math.inf) >= self.now()

    def _issue(self, expiries: dict[str, float], prefix: str, ttl_s: float) -> str:
        now = self.now()
        for key in [k for k, expires in expiries.items() if expires < now]:
            del expiries[key]
        token = self.ids.new(prefix)
        expiries[token] = now + ttl_s
        return token


__all__ = ["Passes"]

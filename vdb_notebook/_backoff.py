"""Capped, jittered exponential backoff for reconnecting a dropped WebSocket.

"Full jitter" (a uniform draw between 0 and the capped exponential bound) spreads the
reconnects of many notebooks that lost the same server, and keeps the first retry fast.

    >>> b = Backoff(base=0.1, cap=2.0, rng=random.Random(0))
    >>> [round(b.next_delay(), 3) for _ in range(4)]
    [0.084, 0.152, 0.168, 0.207]
    >>> b.reset(); b.attempts
    0
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays for successive reconnect attempts: uniform(0, min(cap, base * factor**attempt)).

    `max_attempts=None` retries forever (a notebook left open overnight should come back);
    `reset()` is called once a connection has stayed up for `stable_after` seconds.
    """

    base: float = 0.1
    cap: float = 10.0
    factor: float = 2.0
    max_attempts: int | None = None
    stable_after: float = 5.0
    rng: random.Random = field(default_factory=random.Random, repr=False)
    attempts: int = 0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base or self.factor < 1:
            raise ValueError(
                f"Backoff needs 0 < base <= cap and factor >= 1; got base={self.base}, "
                f"cap={self.cap}, factor={self.factor}"
            )

    @property
    def exhausted(self) -> bool:
        return self.max_attempts is not None and self.attempts >= self.max_attempts

    def bound(self, attempt: int) -> float:
        """The largest delay attempt number `attempt` (0-based) may wait."""
        return min(self.cap, self.base * self.factor ** min(attempt, 64))

    def next_delay(self) -> float:
        """The delay before the next attempt; counts the attempt."""
        delay = self.rng.uniform(0, self.bound(self.attempts))
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0

"""The WebSocket source: `Feed` (reconnects with backoff) and its raw-frame journal."""
from .feed import Feed

__all__ = ["Feed"]

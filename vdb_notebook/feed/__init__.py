"""The WebSocket source: `Feed` (reconnects with backoff) and its raw-frame journal."""
from .feed import Feed
from .state import FeedState

__all__ = ["Feed", "FeedState"]

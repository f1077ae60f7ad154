"""The EventStore: every event as one growing DataFrame, its views, and its files."""
from .store import EventStore

__all__ = ["EventStore"]

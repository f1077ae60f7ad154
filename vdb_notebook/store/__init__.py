"""The EventStore: every event in Arrow batches, as DataFrames and views, SQL, files, datasets."""
from .compact import compact_dataset
from .open import open_dataset, scan_dataset
from .store import EventStore

__all__ = ["EventStore", "compact_dataset", "open_dataset", "scan_dataset"]

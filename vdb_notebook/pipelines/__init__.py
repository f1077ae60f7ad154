"""Start a capture session's AI pipelines on each rtstream, idempotently."""
from .start import Pipelines, start_pipelines

__all__ = ["Pipelines", "start_pipelines"]

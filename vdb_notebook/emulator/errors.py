"""Error answers: each carries its HTTP status and a message that says what to fix.

    >>> NotFound("rtstream 'rts-1' not found").status
    404
"""
from __future__ import annotations


class ApiError(Exception):
    """An error answer: HTTP `status` and a `message` that says what to fix."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotFound(ApiError):
    status = 404


class BadRequest(ApiError):
    status = 400


class Conflict(ApiError):
    status = 409

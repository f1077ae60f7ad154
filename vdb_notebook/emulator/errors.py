"""Error answers: each carries its HTTP status and a message that says what to fix.

    >>> NotFound("rtstream 'rts-1' not found").status
    404
"""
from __future__ import annotations

from typing import Any


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


def string_field(body: dict[str, Any], key: str) -> str | None:
    """body[key] if it is a non-empty string, None if absent or empty; a BadRequest otherwise.

        >>> string_field({"name": "cam"}, "name"), string_field({"name": ""}, "name")
        ('cam', None)
    """
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{key} must be a string, not {type(value).__name__}")
    return value or None

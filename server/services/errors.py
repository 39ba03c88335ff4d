"""The one exception type hub services raise; the API maps it to the protocol's error body."""

from __future__ import annotations


class HubError(Exception):
    """A refusal with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

"""Errors that end a command with a clear message (no traceback) and a non-zero exit code."""

from __future__ import annotations


class UserFacingError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

"""Errors that carry a Norwegian message for the user.

A handler raises one of these when the input cannot be acted on; the dispatcher rolls back the
transaction and shows the message, so bad input never writes anything.
"""

from __future__ import annotations

from collections.abc import Sequence


class UserError(Exception):
    """Something the user can fix; `message` is shown to them as it is."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = tuple(suggestions)


class DateError(UserError):
    """A date or deadline expression that cannot be understood or is not allowed."""


class PartyError(UserError):
    """A party name that matches no known party, or a missing party."""


class PermissionDenied(UserError):
    """The user may not do this; the message says why."""


class NotFound(UserError):
    """An id or name that does not exist."""

"""The exception hierarchy of ``geo``.

Every error the library raises on purpose is a :class:`GeoError`, and each one is also
the builtin it resembles, so callers may catch either. Messages name the input that
failed (a file and line, a place name, a field) and, where one exists, the command that
fixes the problem. Lookups that may legitimately find nothing (``Gazetteer.get``) return
``None`` instead of raising.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class GeoError(Exception):
    """Root of every error raised on purpose by ``geo``."""


class GeoWarning(UserWarning):
    """Warned when ``geo`` degrades gracefully (for example web assets missing)."""


class ConfigurationError(GeoError, ValueError):
    """Raised when a setting or an argument has a value ``geo`` cannot use."""


class DataError(GeoError, ValueError):
    """Raised when a data file (gazetteer, registry, document) is malformed.

    ``problems`` lists every problem found, each already naming its file and line, so
    one message reports them all at once.
    """

    def __init__(self, message: str, *, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems)


class DocumentError(DataError):
    """Raised when one input document cannot be read (encoding, binary, format)."""


class PlaceNotFoundError(GeoError, LookupError):
    """Raised by :meth:`geo.gazetteer.query.Gazetteer.lookup` when no place has the name.

    ``suggestions`` holds close names from the gazetteer, best first.
    """

    def __init__(self, message: str, *, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.suggestions: list[str] = list(suggestions)


class AmbiguousPlaceError(PlaceNotFoundError):
    """Raised when a strict lookup finds several equally good places."""

    def __init__(self, message: str, *, candidates: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.candidates: list[Any] = list(candidates)


class LayerValidationError(GeoError, ValueError):
    """Raised when a layer fails validation; ``problems`` lists every problem at once."""

    def __init__(self, message: str, *, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems)


class NetworkDisabledError(GeoError, ConnectionError):
    """Raised when an online service is asked for while ``geo`` runs offline."""

"""One exception root for Klynge; each part raises a specific child.

Messages follow one template: what failed, which identifier, the limit or the
expected value, and what to do.
"""

from __future__ import annotations

from typing import Any


class KlyngeError(Exception):
    """Root of every error Klynge raises on purpose."""

    exit_code = 1


class ConfigError(KlyngeError):
    """A setting is missing or invalid."""


class StoreUnavailable(KlyngeError):
    """The graph store cannot be reached or started."""


class QueryError(KlyngeError):
    """A query failed in the store (syntax, constraint, timeout)."""


class QueryTimeout(QueryError):
    """A query ran longer than its timeout and was stopped."""


class ReadOnlyViolation(QueryError):
    """A read-only run was asked to write."""


class ParameterError(QueryError, ValueError):
    """A query parameter cannot be sent to the store as given (nothing was sent).

    Raised before the query leaves the process, so it is the caller's input that is wrong, never
    the store: a NUL character in a text, an integer outside the 64-bit range, a map key or
    parameter name the stores cannot read, or nesting deeper than the limit.
    """


class ResultTooLarge(QueryError):
    """A result is larger than its byte cap (the console's ``KLYNGE_CONSOLE_MAX_BYTES``)."""


class StoreBusy(StoreUnavailable):
    """The store has too many queries waiting; try again shortly."""


class LoadError(KlyngeError):
    """A source file cannot be read or loaded."""


class ConsoleError(KlyngeError):
    """An analyst's console query was refused or failed."""


class JobFailed(KlyngeError):
    """A measures job failed; the previous results stay current."""


class SyncError(LoadError):
    """A sync cannot read a feed (HTTP failure after retries, unreadable page) or is not set up."""


class Message(str):
    """A message in English that remembers its template and values (:func:`message`), so the web app can
    say it in the page's language (``web.i18n.say``): its catalogue holds the templates, which
    ``make messages`` extracts from the ``message("…")`` calls of the modules it lists."""

    template: str
    values: dict[str, Any]


def message(template: str, **values: Any) -> Message:
    """``template % values`` as a :class:`Message`; without values the template is the text (a word of the
    instrument, say). Values that are themselves messages are said in the page's language too."""
    m = Message(template % values if values else template)
    m.template, m.values = template, values
    return m

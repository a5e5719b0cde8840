"""Exceptions and warnings of the fsQCA engine.

Every problem with the user's input raises :class:`QCAInputError` (a ``ValueError``)
whose message names the offending rows or columns, so that a web form or the CLI
can show it verbatim. Problems that do not stop the analysis are returned as
:class:`QCAWarning` objects in the ``warnings`` list of each result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


class QCAError(Exception):
    """Base class of all engine errors."""


class QCAInputError(QCAError, ValueError):
    """The data or the parameters cannot be analysed as given."""


class QCAComputationError(QCAError, RuntimeError):
    """The analysis is well defined but cannot be completed (e.g. nothing to explain)."""


@dataclass(frozen=True)
class QCAWarning:
    """A non-fatal remark about the input or the result.

    ``code`` is stable and machine-readable (e.g. ``"crossover_cases"``);
    ``message`` is for humans.
    """

    code: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)

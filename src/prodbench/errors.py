"""Errors raised by prodbench.

Every error is a :class:`ProdbenchError`. Its message is one paragraph that
names the problem and says how to fix it; the command line prints it on
stderr and exits with :attr:`ProdbenchError.exit_code`, never a traceback.
Subclasses also derive from the built-in exception a caller would expect
(``ValueError``, ``TypeError``, ...), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "BudgetError",
    "CandidateError",
    "DataError",
    "MissingDependencyError",
    "ModelError",
    "ModelFailedError",
    "ProdbenchError",
    "RuntimeConversionError",
    "SchemaError",
    "SpecError",
]


class ProdbenchError(Exception):
    """Base class of every error prodbench raises on purpose.

    Attributes
    ----------
    exit_code : int
        The exit status the command line uses for this error (2: usage or
        input error, 3: a candidate failed).

    Examples
    --------
    >>> try:
    ...     raise DataError("X has 3 rows but y has 4. Pass X and y of the same length.")
    ... except ProdbenchError as exc:
    ...     print(exc.exit_code)
    2
    """

    exit_code: int = 2


class DataError(ProdbenchError, ValueError):
    """The data cannot be used: wrong shapes, empty, one class, bad file."""


class ModelError(ProdbenchError, TypeError):
    """The object is not a usable model: no ``fit``/``predict``, not fitted, ..."""


class ModelFailedError(ProdbenchError, RuntimeError):
    """A model's own ``fit`` or ``predict`` raised; the original is chained.

    Parameters
    ----------
    message : str
        The full, one-paragraph message.
    candidate : str
        The candidate's name.
    phase : str
        ``"fit"``, ``"predict"``, ``"score"``, ``"serialize"``...
    """

    exit_code = 3

    def __init__(self, message: str, *, candidate: str = "", phase: str = "") -> None:
        super().__init__(message)
        self.candidate = candidate
        self.phase = phase


class SpecError(ProdbenchError, ValueError):
    """A textual specification does not parse (preset, ``module:Class(...)``, option)."""


class BudgetError(SpecError):
    """A latency or size budget does not parse or makes no sense."""


class CandidateError(ProdbenchError, ValueError):
    """The set of candidates is wrong: duplicates, unknown baseline, too few, mixed tasks."""


class SchemaError(ProdbenchError, ValueError):
    """A saved results file is corrupt or has an unknown ``schema_version``."""


class MissingDependencyError(ProdbenchError, ImportError):
    """An optional dependency (for example matplotlib) is not installed."""


class RuntimeConversionError(ProdbenchError, ValueError):
    """A fitted model cannot be compiled for a faster runtime (ONNX Runtime, treelite).

    The message names the model, the runtime and the converter's reason; in a
    comparison the variant is recorded as a failed candidate and the others go on.
    """

    exit_code = 3

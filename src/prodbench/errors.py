"""Errors raised by prodbench.

Every error is a :class:`ProdbenchError`. Its message is one paragraph that
names the problem and says how to fix it; the command line prints it on
stderr and exits with :attr:`ProdbenchError.exit_code`, never a traceback.
Subclasses also derive from the built-in exception a caller would expect
(``ValueError``, ``TypeError``, ...), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BudgetError",
    "CallbackError",
    "CandidateError",
    "DataError",
    "LatencyInconclusive",
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
    """The data cannot be used: wrong shapes, empty, one class, bad file.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.naive_bayes import GaussianNB
    >>> try:
    ...     pb.measure(GaussianNB(), [[1.0], [2.0]], [0])  # two rows, one label
    ... except pb.DataError as exc:
    ...     print(type(exc).__name__, exc.exit_code)
    DataError 2
    """


class ModelError(ProdbenchError, TypeError):
    """The object is not a usable model: no ``fit``/``predict``, not fitted, ...

    Examples
    --------
    >>> import prodbench as pb
    >>> try:
    ...     pb.measure(object(), [[1.0]] * 10, [0, 1] * 5)
    ... except pb.ModelError as exc:
    ...     print(type(exc).__name__, exc.exit_code)
    ModelError 2
    """


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

    Examples
    --------
    >>> import prodbench as pb
    >>> issubclass(pb.ModelFailedError, pb.ProdbenchError), pb.ModelFailedError.exit_code
    (True, 3)
    """

    exit_code = 3

    def __init__(self, message: str, *, candidate: str = "", phase: str = "") -> None:
        super().__init__(message)
        self.candidate = candidate
        self.phase = phase


class SpecError(ProdbenchError, ValueError):
    """A textual specification does not parse (preset, ``module:Class(...)``, option).

    Examples
    --------
    >>> import prodbench as pb
    >>> try:
    ...     pb.Budget.parse("p99")  # a BudgetError is a SpecError: the text does not parse
    ... except pb.SpecError as exc:
    ...     print(type(exc).__name__, exc.exit_code)
    BudgetError 2
    """


class BudgetError(SpecError):
    """A latency or size budget does not parse or makes no sense.

    Examples
    --------
    >>> import prodbench as pb
    >>> try:
    ...     pb.Budget(p99="fast")
    ... except pb.BudgetError as exc:
    ...     print(isinstance(exc, pb.SpecError), exc.exit_code)
    True 2
    """


class CandidateError(ProdbenchError, ValueError):
    """The set of candidates is wrong: duplicates, unknown baseline, too few, mixed tasks.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.naive_bayes import GaussianNB
    >>> try:
    ...     pb.compare([GaussianNB()], [[1.0], [2.0]] * 10, [0, 1] * 10)  # one candidate
    ... except pb.CandidateError as exc:
    ...     print(type(exc).__name__, exc.exit_code)
    CandidateError 2
    """


class SchemaError(ProdbenchError, ValueError):
    """A saved results file is corrupt or has an unknown ``schema_version``.

    Examples
    --------
    >>> import prodbench as pb
    >>> try:
    ...     pb.Comparison.from_dict({"kind": "Comparison", "schema_version": 999})
    ... except pb.SchemaError as exc:
    ...     print(type(exc).__name__, exc.exit_code)
    SchemaError 2
    """


class CallbackError(ProdbenchError, RuntimeError):
    """A callback given to ``compare()`` raised; every candidate was still measured.

    Parameters
    ----------
    message : str
        The full, one-paragraph message.
    comparison : object
        The complete :class:`~prodbench.verdict.Comparison`, results kept.

    Examples
    --------
    >>> import prodbench as pb
    >>> issubclass(pb.CallbackError, pb.ProdbenchError), pb.CallbackError.exit_code
    (True, 2)
    """

    def __init__(self, message: str, *, comparison: Any = None) -> None:
        super().__init__(message)
        self.comparison: Any = comparison


class MissingDependencyError(ProdbenchError, ImportError):
    """An optional dependency (for example matplotlib) is not installed.

    Examples
    --------
    >>> import prodbench as pb
    >>> issubclass(pb.MissingDependencyError, ImportError), pb.MissingDependencyError.exit_code
    (True, 2)
    """


class LatencyInconclusive(ProdbenchError, AssertionError):
    """A latency budget check that could not decide within its ``max_time``.

    Raised by :func:`prodbench.testing.assert_latency` (with the default
    ``on_inconclusive="fail"``) when a percentile's interval still contains
    its limit after ``max_time``: the check neither passed nor failed, and
    passing it on the point estimate would be a guess. A subclass of
    ``AssertionError``, so a test runner reports a failed test.

    Parameters
    ----------
    message : str
        The full message.
    key : str
        The undecided limit (``"p99"``...).
    estimate : float
        Its point estimate, in seconds.
    interval : tuple of float
        Its interval at the last look, in seconds (``inf`` when unbounded).
    n : int
        Samples taken.
    max_time_to_decide : float or None
        Seconds of sampling that would likely decide it; None when the
        percentile is too close to the limit for any reasonable ``max_time``.
    check : object, optional
        The :class:`prodbench.testing.LatencyCheck`.

    Examples
    --------
    >>> err = LatencyInconclusive("p99 undecided", key="p99", estimate=0.0041,
    ...                           interval=(0.0035, float("inf")), n=250,
    ...                           max_time_to_decide=24.0)
    >>> isinstance(err, AssertionError), err.max_time_to_decide
    (True, 24.0)
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        key: str,
        estimate: float,
        interval: tuple[float, float],
        n: int,
        max_time_to_decide: float | None,
        check: object = None,
    ) -> None:
        super().__init__(message)
        self.key = key
        self.estimate = estimate
        self.interval = interval
        self.n = n
        self.max_time_to_decide = max_time_to_decide
        self.check = check


class RuntimeConversionError(ProdbenchError, ValueError):
    """A fitted model cannot be compiled for a faster runtime (ONNX Runtime, treelite).

    The message names the model, the runtime and the converter's reason; in a
    comparison the variant is recorded as a failed candidate and the others go on.

    Examples
    --------
    >>> import prodbench as pb
    >>> issubclass(pb.RuntimeConversionError, pb.ProdbenchError)
    True
    >>> pb.RuntimeConversionError.exit_code
    3
    """

    exit_code = 3

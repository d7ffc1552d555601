"""Human units: parse ``"250us"``, ``"5ms"``, ``"10MB"`` and format seconds and bytes.

Shared by budgets, reports, the command line and the test helpers, so that
``"5ms"`` means the same everywhere. Stdlib only.
"""

from __future__ import annotations

import math
import numbers
import re

from .errors import BudgetError, SpecError

__all__ = [
    "format_bytes",
    "format_duration",
    "format_p_value",
    "format_ratio",
    "format_score",
    "format_score_diff",
    "lower_is_better",
    "natural_score",
    "parse_duration",
    "parse_size",
    "round_up",
    "say_speed",
    "score_label",
    "score_trend",
    "significant",
]

_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
}
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_NUMBER_UNIT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([^\s0-9.]*)\s*$")


def _split(text: str, what: str, examples: str) -> tuple[float, str]:
    match = _NUMBER_UNIT.match(text)
    if match is None:
        raise BudgetError(
            f"Cannot read {text!r} as a {what}. Write a positive number followed by a unit, "
            f"for example {examples}."
        )
    return float(match.group(1)), match.group(2)


def _is_number(value: object) -> bool:
    """A real number (numpy scalars included), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _unit_needed(value: str, what: str, examples: str) -> BudgetError:
    return BudgetError(
        f"The {what} {value!r} has no unit. Write the unit after the number, for example "
        f"{examples}; a limit without one is ambiguous."
    )


MAX_SEED = 2**32 - 1
"""The largest seed numpy's and scikit-learn's random states take."""


def check_seed(value: object, name: str = "random_state") -> int:
    """A seed: a whole number from 0 to :data:`MAX_SEED` (what numpy and scikit-learn take).

    Parameters
    ----------
    value : int
        The seed.
    name : str, default "random_state"
        The option's name, for the message (``"--seed"`` on the command line).

    Returns
    -------
    int

    Raises
    ------
    SpecError
        When the seed is not a whole number in range.

    Examples
    --------
    >>> check_seed(42)
    42
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SpecError(
            f"{name} must be a whole number from 0 to {MAX_SEED}, not "
            f"{type(value).__name__} {str(value)[:40]!r}. Pass a seed such as 0 or 42."
        )
    seed = int(value)
    if not 0 <= seed <= MAX_SEED:
        shown = str(seed) if seed.bit_length() < 128 else f"a {seed.bit_length()}-bit number"
        raise SpecError(
            f"{name} must be a whole number from 0 to {MAX_SEED} (the range numpy and "
            f"scikit-learn take), not {shown}. Pass a seed such as 0 or 42."
        )
    return seed


def parse_duration(value: float | int | str, *, require_unit: bool = False) -> float:
    """Read a duration given as seconds or as a string with a unit.

    Parameters
    ----------
    value : float, int or str
        Seconds as a number (numpy scalars too), or a string such as
        ``"250us"``, ``"5ms"``, ``"1.5 s"`` (units: ns, us/µs, ms, s, min;
        spaces around the unit are allowed; a bare number is seconds unless
        ``require_unit``).
    require_unit : bool, default False
        Refuse a string without a unit (budgets: ``"p99=5"`` could mean
        anything, so it must be written ``"5ms"``). Numbers are always seconds.

    Returns
    -------
    float
        The duration in seconds, strictly positive and finite.

    Raises
    ------
    BudgetError
        When the value does not parse, is not positive or is not finite.

    Examples
    --------
    >>> parse_duration("5ms")
    0.005
    >>> parse_duration(0.25)
    0.25
    """
    examples = "'250us', '5ms' or '1.5s'"
    if isinstance(value, bool):
        raise BudgetError(f"Cannot read {value!r} as a duration. Use seconds or {examples}.")
    if _is_number(value):
        seconds = float(value)
    elif isinstance(value, str):
        number, unit = _split(value, "duration", examples)
        unit = unit.lower() if unit not in ("µs", "μs") else unit
        if unit == "" and require_unit:
            raise _unit_needed(value, "duration", examples)
        if unit == "":
            factor = 1.0
        elif unit in _DURATION_UNITS:
            factor = _DURATION_UNITS[unit]
        else:
            raise BudgetError(
                f"Unknown time unit {unit!r} in {value!r}. Use one of ns, us, ms, s, "
                f"for example {examples}."
            )
        seconds = number * factor
    else:
        raise BudgetError(
            f"Cannot read {value!r} (type {type(value).__name__}) as a duration. "
            f"Use seconds as a number or a string such as {examples}."
        )
    if not math.isfinite(seconds) or seconds <= 0:
        raise BudgetError(f"A duration must be positive and finite; got {value!r}.")
    return seconds


def parse_size(value: float | int | str, *, require_unit: bool = False) -> int:
    """Read a size given as bytes or as a string with a unit.

    Parameters
    ----------
    value : int, float or str
        Bytes as a number (numpy scalars too), or a string such as ``"10MB"``,
        ``"512 KiB"`` (units: B, kB, MB, GB in powers of 1000; KiB, MiB, GiB
        in powers of 1024).
    require_unit : bool, default False
        Refuse a string without a unit (``"10"``); numbers are always bytes.

    Returns
    -------
    int
        The size in bytes, strictly positive.

    Raises
    ------
    BudgetError
        When the value does not parse or is not positive.

    Examples
    --------
    >>> parse_size("10MB")
    10000000
    >>> parse_size("1KiB")
    1024
    """
    examples = "'500kB', '10MB' or '1GiB'"
    if isinstance(value, bool):
        raise BudgetError(f"Cannot read {value!r} as a size. Use bytes or {examples}.")
    if _is_number(value):
        size = float(value)
    elif isinstance(value, str):
        number, unit = _split(value, "size", examples)
        if unit == "" and require_unit:
            raise _unit_needed(value, "size", examples)
        key = unit.lower() or "b"
        if key not in _SIZE_UNITS:
            raise BudgetError(
                f"Unknown size unit {unit!r} in {value!r}. Use B, kB, MB, GB, KiB, MiB or GiB, "
                f"for example {examples}."
            )
        size = number * _SIZE_UNITS[key]
    else:
        raise BudgetError(
            f"Cannot read {value!r} (type {type(value).__name__}) as a size. "
            f"Use bytes as a number or a string such as {examples}."
        )
    if not math.isfinite(size) or size <= 0:
        raise BudgetError(f"A size must be positive and finite; got {value!r}.")
    return round(size)


def format_duration(seconds: float, digits: int = 3, *, trim: bool = False) -> str:
    """Format seconds with the unit that keeps the number readable.

    Parameters
    ----------
    seconds : float
        A duration in seconds; ``inf`` and ``nan`` are rendered as such.
    digits : int, default 3
        Significant digits.
    trim : bool, default False
        Drop trailing zeros (``"5 ms"`` rather than ``"5.00 ms"``), for limits.

    Returns
    -------
    str

    Examples
    --------
    >>> format_duration(0.00621)
    '6.21 ms'
    >>> format_duration(2.5e-7)
    '250 ns'
    >>> format_duration(0.005, trim=True)
    '5 ms'
    """
    if math.isnan(seconds):
        return "n/a"
    if math.isinf(seconds):
        return "inf" if seconds > 0 else "-inf"
    magnitude = abs(seconds)
    if magnitude >= 1.0 or magnitude == 0.0:
        value, unit = seconds, "s"
    elif magnitude >= 1e-3:
        value, unit = seconds * 1e3, "ms"
    elif magnitude >= 1e-6:
        value, unit = seconds * 1e6, "µs"
    else:
        value, unit = seconds * 1e9, "ns"
    return f"{significant(value, digits, trim)} {unit}"


def format_bytes(size: float, digits: int = 3, *, trim: bool = False) -> str:
    """Format a byte count in kB/MB/GB (powers of 1000).

    Examples
    --------
    >>> format_bytes(1_530_000)
    '1.53 MB'
    """
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(size) >= factor:
            return f"{significant(size / factor, digits, trim)} {unit}"
    return f"{int(size)} B"


def significant(value: float, digits: int, trim: bool = False) -> str:
    """``value`` with ``digits`` significant digits (trailing zeros cut with ``trim``).

    Examples
    --------
    >>> significant(3.14159, 3), significant(1234.5, 2), significant(2.50, 3, trim=True)
    ('3.14', '1234', '2.5')
    """
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_ratio(ratio: float, *, unit: bool = True) -> str:
    """A ratio, the one way every output prints it: ``0.76x``, ``12.3x``, ``435x``.

    Two decimals below 10, one below 100, none above; below 0.1, two
    significant digits, so a small ratio never reads ``0.00x``. ``unit=False``
    leaves off the ``x`` (the first bound of an interval).

    Examples
    --------
    >>> [format_ratio(r) for r in (0.0023, 0.76, 6.1, 19.94, 435.2, float("inf"))]
    ['0.0023x', '0.76x', '6.10x', '19.9x', '435x', 'inf']
    """
    x = "x" if unit else ""
    if math.isnan(ratio):
        return "n/a"
    if math.isinf(ratio):
        return "inf" if ratio > 0 else "-inf"
    if ratio >= 100:
        text = f"{ratio:.0f}"
    elif ratio >= 10:
        text = f"{ratio:.1f}"
    elif ratio >= 0.1 or ratio <= 0:
        text = f"{ratio:.2f}"
    else:
        text = f"{ratio:.2g}"
    return text + x


def say_speed(ratio: float, what: str = "") -> str:
    """A time ratio (new / old) in words, right both ways: ``'6.10x slower'``, ``'435x faster'``.

    Examples
    --------
    >>> say_speed(6.1, "p50"), say_speed(1 / 435), say_speed(1.0)
    ('6.10x slower p50', '435x faster', 'as fast (1.00x)')
    """
    tail = f" {what}" if what else ""
    if not ratio > 0 or math.isinf(ratio):
        return f"{format_ratio(ratio)} the time{tail}"
    if format_ratio(ratio) == "1.00x":
        return f"as fast{tail} (1.00x)"
    if ratio > 1:
        return f"{format_ratio(ratio)} slower{tail}"
    return f"{format_ratio(1.0 / ratio)} faster{tail}"


_LOSS_LABELS = {
    "neg_mean_absolute_error": "MAE",
    "neg_mean_squared_error": "MSE",
    "neg_root_mean_squared_error": "RMSE",
    "neg_mean_absolute_percentage_error": "MAPE",
    "neg_median_absolute_error": "median absolute error",
    "neg_mean_squared_log_error": "MSLE",
    "neg_root_mean_squared_log_error": "RMSLE",
    "neg_max_error": "max error",
    "neg_log_loss": "log loss",
    "neg_brier_score": "Brier score",
    "neg_mean_poisson_deviance": "Poisson deviance",
    "neg_mean_gamma_deviance": "gamma deviance",
    "neg_negative_likelihood_ratio": "negative likelihood ratio",
}


def lower_is_better(name: str) -> bool:
    """Whether a stored score is scikit-learn's negated loss (``neg_*``): shown as the loss.

    Examples
    --------
    >>> lower_is_better("neg_log_loss"), lower_is_better("f1")
    (True, False)
    """
    return name.startswith("neg_")


def score_label(name: str) -> str:
    """The name a reader expects: ``neg_mean_absolute_error`` is ``MAE``; others as they are.

    Examples
    --------
    >>> score_label("neg_mean_absolute_error"), score_label("neg_foo_bar"), score_label("f1")
    ('MAE', 'foo bar', 'f1')
    """
    if name in _LOSS_LABELS:
        return _LOSS_LABELS[name]
    if lower_is_better(name):
        return name[4:].replace("_", " ")
    return name


def score_trend(name: str) -> str:
    """The score with the direction that is better: ``'accuracy up'``, ``'MAE down'``.

    Examples
    --------
    >>> score_trend("r2"), score_trend("neg_mean_absolute_error")
    ('r2 up', 'MAE down')
    """
    return f"{score_label(name)} {'down' if lower_is_better(name) else 'up'}"


def natural_score(name: str, value: float) -> float:
    """A stored score (or difference) in the sign of :func:`score_label`: ``neg_*`` flipped.

    Examples
    --------
    >>> natural_score("neg_mean_absolute_error", -45.18), natural_score("r2", 0.5)
    (45.18, 0.5)
    """
    return -value if lower_is_better(name) else value


def format_score(name: str, value: float) -> str:
    """A score at one precision for every candidate and task: 4 decimals.

    Accuracy, R², F1 and other scores near 1 read to 4 decimals; a score of
    100 or more in magnitude (an error in target units) to 2 decimals with
    thousands separators. A ``neg_*`` score is shown as the loss it negates
    (in the sign of :func:`score_label`: ``neg_mean_absolute_error`` -45.18
    is MAE 45.18).

    Examples
    --------
    >>> format_score("accuracy", 0.95), format_score("r2", 0.45), format_score("r2", -1234.5)
    ('0.9500', '0.4500', '-1,234.50')
    >>> format_score("neg_mean_absolute_error", -45.178)
    '45.1780'
    """
    if lower_is_better(name):
        value = -value
    if abs(value) >= 100:
        return f"{value:,.2f}"
    return f"{value:.4f}"


def format_score_diff(name: str, diff: float) -> str:
    """A score difference: accuracy in percentage points, others signed, as :func:`format_score`.

    A ``neg_*`` difference is shown as the change of the loss (its sign flipped).

    Examples
    --------
    >>> format_score_diff("accuracy", 0.0123), format_score_diff("r2", -0.01)
    ('+1.23 pp', '-0.0100')
    >>> format_score_diff("neg_mean_absolute_error", -3.1274)
    '+3.1274'
    """
    if lower_is_better(name):
        diff = -diff
    if name == "accuracy":
        return f"{diff * 100:+.2f} pp"
    if abs(diff) >= 100:
        return f"{diff:+,.2f}"
    return f"{diff:+.4f}"


def format_p_value(p: float) -> str:
    """A p-value with its sign of comparison: ``p<0.001``, ``p=0.012``, ``p=0.58``.

    Examples
    --------
    >>> format_p_value(1e-5), format_p_value(0.0123), format_p_value(0.58)
    ('p<0.001', 'p=0.012', 'p=0.58')
    """
    if p < 0.001:
        return "p<0.001"
    return f"p={p:.2g}" if p < 0.1 else f"p={p:.2f}"


def round_up(seconds: float) -> float:
    """Round up to two significant digits, for "about N s more" advice.

    Examples
    --------
    >>> round_up(23.4), round_up(0.123)
    (24.0, 0.13)
    """
    if seconds <= 0 or not math.isfinite(seconds):
        return seconds
    step = 10.0 ** (math.floor(math.log10(seconds)) - 1)
    return round(math.ceil(seconds / step - 1e-9) * step, 10)

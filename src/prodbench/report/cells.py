"""How numbers look in every format: durations, sizes, rates, intervals, scores, ratios.

One meaning per kind of number, shared by the table model and every
renderer, so the text, Markdown and HTML tables always agree.
"""

from __future__ import annotations

import math
import re
import shutil
import textwrap

from ..budget import PERCENTILE_KEYS
from ..budget import UNDERSAMPLED_MARK as UNDERSAMPLED_MARK  # re-exported for the renderers
from ..units import (
    format_bytes,
    format_duration,
    format_ratio,
    format_score,
    format_score_diff,
    significant,
)

DASH = "—"
SIGNIFICANT_MARK = "*"
PROSE_WIDTH = 116
TEXT_WIDTH = 80
"""No line of terminal text is wider than this (issue: 80 columns everywhere)."""
STATUS_TEXT = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}
STATUS_SYMBOL = {"pass": "✓", "fail": "✗", "inconclusive": "?"}
PERCENTILES = tuple(PERCENTILE_KEYS.items())
GROUP_TITLES = {"research": "research priority", "production": "production priority"}


def fmt_duration(seconds: float | None) -> str:
    """A duration in human units, or a dash for a missing one."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return DASH
    return format_duration(seconds)


def fmt_bytes(size: float | None) -> str:
    """A size in human units, or a dash."""
    return DASH if size is None else format_bytes(size)


def fmt_rate(per_second: float | None) -> str:
    """Rows per second in three significant digits: ``1.85k``, ``12.3M``."""
    if per_second is None or math.isnan(per_second):
        return DASH
    if math.isinf(per_second):
        return "inf"
    for suffix, factor in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if per_second >= factor:
            return f"{sig(per_second / factor)}{suffix}"
    return sig(per_second)


def sig(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits, without an exponent."""
    return significant(value, digits)


_UNIT_FACTORS = {"s": 1.0, "ms": 1e3, "µs": 1e6, "ns": 1e9}


def fmt_bound(seconds: float, unit: str) -> str:
    """One side of an interval as a bare number in ``unit``; ``inf`` for an open side."""
    if math.isinf(seconds):
        return "inf" if seconds > 0 else "-inf"
    return sig(seconds * _UNIT_FACTORS.get(unit, 1.0))


def fmt_interval(low: float, high: float, reference: float) -> str:
    """``[210, 224] µs`` in the unit ``format_duration(reference)`` chose.

    An open side (no order statistic bounds it: too few samples) reads
    ``inf)``, so an open interval looks open.
    """
    unit = format_duration(reference).rsplit(" ", 1)[-1]
    close = ")" if math.isinf(high) else "]"
    open_ = "(" if math.isinf(low) else "["
    return f"{open_}{fmt_bound(low, unit)}, {fmt_bound(high, unit)}{close} {unit}"


def fmt_interval_units(low: float, high: float) -> str:
    """``[210 µs, 224 µs]`` with each side in its own unit; an open side reads ``inf)``."""
    left = "(-inf" if math.isinf(low) else f"[{format_duration(low)}"
    right = "inf)" if math.isinf(high) else f"{format_duration(high)}]"
    return f"{left}, {right}"


fmt_score = format_score
fmt_score_diff = format_score_diff


def fmt_ratio(ratio: float | None) -> str:
    """A latency ratio: ``0.76x``, ``12.3x``, ``150x``."""
    if ratio is None or math.isnan(ratio):
        return DASH
    return format_ratio(ratio)


def fmt_int(n: int) -> str:
    """An integer with thousands separators."""
    return f"{n:,}"


_NBSP = "\u00a0"
# a number and its unit, and the inside of an interval, are never broken apart
_UNIT_JOIN = re.compile(r"(?<=\d) (?=(?:ns|µs|ms|s|min|h|B|kB|MB|GB|TB|pp|rows/s)(?!\w))")
_BRACKET = re.compile(r"[\[(][^\[\]()]{0,40}[\])]")


def keep_together(text: str) -> str:
    """Join numbers to their units (and the sides of an interval) with no-break spaces.

    Examples
    --------
    >>> keep_together("p99 31.7 ms [30.7, inf) ms") == "p99 31.7\u00a0ms [30.7,\u00a0inf)\u00a0ms"
    True
    """
    text = _UNIT_JOIN.sub(_NBSP, text)
    return _BRACKET.sub(lambda m: m.group(0).replace(" ", _NBSP), text)


def terminal_width(default: int = 80) -> int:
    """The width text output is laid out for: ``COLUMNS``, else the terminal's, else 80.

    Examples
    --------
    >>> import os; os.environ["COLUMNS"] = "100"; terminal_width()
    100
    """
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def wrap(
    text: str,
    indent: str = "  ",
    bullet: str = "",
    hang: str | None = None,
    width: int = PROSE_WIDTH,
) -> list[str]:
    """Wrap prose for a terminal; continuation lines align under the text (or ``hang``).

    A number is never split from its unit, nor an interval from its brackets.

    Examples
    --------
    >>> wrap("fit took 12.5 ms here", width=16)
    ['  fit took', '  12.5 ms here']
    """
    first = indent + bullet
    rest = indent + " " * len(bullet) if hang is None else hang
    out: list[str] = []
    for i, paragraph in enumerate(text.splitlines() or [""]):
        out.extend(
            textwrap.wrap(
                keep_together(paragraph),
                width,
                initial_indent=first if i == 0 else rest,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [first if i == 0 else rest]
        )
    return [line.replace(_NBSP, " ") for line in out]


_CLI_OPTIONS = {
    "budget": "--budget",
    "max_time": "--max-time",
    "max_fit_time": "--max-fit-time",
    "target": "--target",
    "threads": "--threads",
    "request_format": "--request-format",
    "batch_sizes": "--batch-sizes",
    "scoring": "--scoring",
    "precision": "--precision",
    "test_size": "--test-size",
    "random_state": "--seed",
    "baseline": "--baseline",
    "method": "--method",
}
_CLI_OPTIONS.update(
    {
        "call_timeout": "--call-timeout",
        "runtime": "--runtime",
        "runtimes": "--runtime",
        "qps": "--qps",
        "workers": "--workers",
        "seed": "--seed",
    }
)
# A flag the command line spells as its own option, by the library's value.
_CLI_FLAGS = {
    ("isolate", "False"): "--no-isolate",
    ("isolate", "True"): "isolation (the default: drop --no-isolate)",
    ("client", "None"): "no --scheduler",
}
_VALUE = r"""('[^']*'|"[^"]*"|None|True|False)?"""
_LIBRARY_WORD = re.compile(
    r"(?<![\w.-])(" + "|".join([*_CLI_OPTIONS, "isolate", "client"]) + r")=( ?)" + _VALUE
)
# "pass client=None", "drop fit=False": the verb that goes with the option
_PHRASES = (
    (re.compile(r"\bpass client=None\b"), "drop --scheduler"),
    (re.compile(r"\bclient=(?!None)"), "--scheduler "),
)
# "--threads none (--threads none)": the library spelling said twice, once is enough
_TWICE = re.compile(r"(--[\w-]+(?: [\w.:-]+)?) \((?:or )?\1\)")
# "Load it with LoadTestResult.from_json instead": what a command-line user runs
_FROM_JSON = re.compile(r"\b[A-Z]\w*\.from_json\b")


def _cli_word(match: re.Match[str]) -> str:
    key, value = match.group(1), match.group(3)
    if value is not None and (key, value) in _CLI_FLAGS:
        return _CLI_FLAGS[key, value]
    if key not in _CLI_OPTIONS:
        return match.group(0)  # isolate=<expr>: not a spelling the command line has
    option = _CLI_OPTIONS[key]
    if value is None:
        return option + " "
    if value in ("None", "True", "False"):
        return f"{option} {value.lower()}"
    return f"{option} {value[1:-1]}"


def cli_words(text: str) -> str:
    """Say the command line's option where a library sentence names a keyword argument.

    ``budget=`` becomes ``--budget``, ``threads=None`` ``--threads none``,
    ``runtime='onnx'`` ``--runtime onnx``, ``isolate=False`` ``--no-isolate``,
    ``pass client=None`` ``drop --scheduler``, and ``Type.from_json`` (a
    library loader) ``prodbench show``.

    Examples
    --------
    >>> cli_words("pass budget= to check; or target=<column>")
    'pass --budget to check; or --target <column>'
    >>> cli_words("measure with threads=None (--threads none), or try runtime='onnx'")
    'measure with --threads none, or try --runtime onnx'
    """
    for pattern, words in _PHRASES:
        text = pattern.sub(words, text)
    text = _LIBRARY_WORD.sub(_cli_word, text)
    text = _FROM_JSON.sub("prodbench show", text)
    return _TWICE.sub(r"\1", text)


# Why sampling stopped, in words (the results keep the internal reason).
_STOP_WORDS = {
    "max_time": "stopped: time limit",
    "precision": "stopped: interval tight",
    "enough_samples": "stopped: enough samples, the rest of the time went to others",
    "decided": "stopped early: decided",
    "max_samples": "stopped: sample limit",
    "duration": "stopped: end of the run",
    "time_limit": "stopped: time limit, requests dropped",
    "interrupted": "stopped: interrupted",
}


def stop_words(reason: str) -> str:
    """Why sampling stopped, for a reader: ``'max_time'`` -> ``'stopped: time limit'``.

    Examples
    --------
    >>> stop_words("precision"), stop_words("something_else")
    ('stopped: interval tight', 'stopped: something else')
    """
    return _STOP_WORDS.get(reason, f"stopped: {reason.replace('_', ' ')}")

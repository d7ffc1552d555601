"""The light half of the latency checks: session settings and the check recorder.

Standard library only, so the pytest plugin can load (and configure a
session) without importing numpy, pandas, scipy or scikit-learn; those come
with :mod:`prodbench.testing` when a check first runs.

- the names of the ``PRODBENCH_*`` environment variables that carry a
  session's settings to every check (re-exported by :mod:`prodbench.testing`);
- a context-local recorder: the pytest plugin installs one for its session,
  and :func:`prodbench.testing.assert_latency` reports every check (run,
  skipped or errored) to it, so the session summary lists them all.

Examples
--------
>>> seen = []
>>> token = set_recorder(seen.append)
>>> record(CheckEntry(source="assert_latency", name="m", outcome="skipped"))
>>> reset_recorder(token)
>>> [e.outcome for e in seen]
['skipped']
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BUDGET_SCALE_ENV",
    "LATENCY_SKIP_ENV",
    "MAX_BUDGET_SCALE",
    "MAX_TIME_ENV",
    "ON_INCONCLUSIVE_ENV",
    "CheckEntry",
    "record",
    "reset_recorder",
    "set_recorder",
]

BUDGET_SCALE_ENV = "PRODBENCH_BUDGET_SCALE"
"""Environment variable multiplying every latency limit (for slower CI machines)."""

MAX_TIME_ENV = "PRODBENCH_MAX_TIME"
"""Environment variable: default ``max_time`` of every check, in seconds."""

ON_INCONCLUSIVE_ENV = "PRODBENCH_ON_INCONCLUSIVE"
"""Environment variable: default ``on_inconclusive`` (``fail``, ``pass`` or ``skip``)."""

LATENCY_SKIP_ENV = "PRODBENCH_LATENCY_SKIP"
"""Environment variable: ``1`` turns every latency check into a no-op (quick local runs)."""

MAX_BUDGET_SCALE = 1000.0
"""The largest budget scale: beyond it a latency limit no longer limits anything."""


@dataclass(frozen=True)
class CheckEntry:
    """One latency check as the session summary sees it.

    Attributes
    ----------
    source : {"fixture", "assert_latency"}
        Where the check was made.
    name : str
        The model's name in messages.
    outcome : {"pass", "fail", "inconclusive", "skipped", "error"}
        ``"skipped"``: a no-op under ``--latency-skip``; ``"error"``: the
        check raised before deciding (a timeout, bad input).
    check : prodbench.testing.LatencyCheck or None
        The check's figures, when it ran to a decision.
    limits : dict of str to float
        The limits in seconds (scaled), by key.
    error : str
        The error's first line, for ``"error"``.

    Examples
    --------
    >>> CheckEntry(source="fixture", name="m", outcome="skipped", limits={"p99": 0.005}).limits
    {'p99': 0.005}
    """

    source: str
    name: str
    outcome: str
    check: Any = None
    limits: dict[str, float] = field(default_factory=dict)
    error: str = ""


_RECORDER: ContextVar[Callable[[CheckEntry], None] | None] = ContextVar(
    "prodbench_check_recorder", default=None
)


def set_recorder(callback: Callable[[CheckEntry], None] | None) -> Token[Any]:
    """Send every later check to ``callback`` (in this context); returns the reset token.

    Parameters
    ----------
    callback : callable or None
        Called with each :class:`CheckEntry`; None records nothing.

    Returns
    -------
    contextvars.Token
        For :func:`reset_recorder`.

    Examples
    --------
    >>> reset_recorder(set_recorder(None))
    """
    return _RECORDER.set(callback)


def reset_recorder(token: Token[Any]) -> None:
    """Restore the recorder that was active before :func:`set_recorder`.

    Parameters
    ----------
    token : contextvars.Token
        What :func:`set_recorder` returned.

    Examples
    --------
    >>> reset_recorder(set_recorder(print))
    """
    _RECORDER.reset(token)


def record(entry: CheckEntry) -> None:
    """Hand one check to the active recorder, if any (a no-op outside a session).

    Parameters
    ----------
    entry : CheckEntry
        The check.

    Examples
    --------
    >>> record(CheckEntry(source="assert_latency", name="m", outcome="pass"))
    """
    callback = _RECORDER.get()
    if callback is not None:
        callback(entry)

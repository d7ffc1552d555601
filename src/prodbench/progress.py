"""The progress display of :func:`prodbench.measure` and :func:`prodbench.compare`.

The one place the library shows something by itself (CONTRIBUTING.md,
"the library never prints"): with ``progress="auto"``, the default, a run in
a notebook or a terminal shows a tqdm bar (candidate, phase, samples, time
left) on stderr or as a notebook widget; anywhere else (a script piped to a
file, CI, a test session) it shows nothing. ``progress=False`` turns it off,
``progress=True`` shows it even when not interactive, and a callable gets
every :class:`ProgressEvent` instead. :func:`prodbench.sweep` reports
:class:`SweepEvent` objects, case by case.

tqdm is imported when the first bar is drawn.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from .errors import DataError


@dataclass(frozen=True)
class ProgressEvent:
    """What :func:`prodbench.measure` and :func:`prodbench.compare` report to ``progress``.

    Attributes
    ----------
    candidate : str
        The candidate's name.
    phase : str
        ``"fit"``, ``"score"``, ``"throughput"``, ``"latency"``, ``"footprint"``,
        ``"done"`` or ``"failed"``.
    samples : int
        Latency samples taken so far (latency phase).
    elapsed : float
        Seconds spent in this phase so far.
    message : str
        A short human-readable line.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> X, y = load_iris(return_X_y=True)
    >>> phases = []
    >>> r = pb.measure(GaussianNB(), X, y, max_time=0.3, batch_sizes=(1,),
    ...                progress=lambda event: phases.append(event.phase))
    >>> phases[0], phases[-1]
    ('fit', 'done')
    """

    candidate: str
    phase: str
    samples: int = 0
    elapsed: float = 0.0
    message: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class SweepEvent:
    """What :func:`sweep` reports to a ``progress`` callback, case by case.

    Attributes
    ----------
    case : str
        The case (dataset) name.
    phase : str
        ``"submitted"``, ``"started"`` (on its worker), ``"measuring"`` (host
        lock held), a candidate phase of :class:`prodbench.ProgressEvent`
        (``"fit"``, ``"latency"``, ...; ``candidate`` is set), ``"done"``,
        ``"failed"``, ``"retry"`` (its worker was lost) or ``"skipped"``
        (finished in the resumed file).
    candidate : str
        The candidate, for candidate phases; else ``""``.
    worker : str
        The worker's address (``""`` when run here).
    message : str
        A short human-readable line.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> events = []
    >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()], max_time=0.3,
    ...               batch_sizes=(1,), progress=events.append)
    >>> events[0].case, "done" in {e.phase for e in events}
    ('iris', True)
    """

    case: str
    phase: str
    candidate: str = ""
    worker: str = ""
    message: str = ""


SweepProgress = Callable[[SweepEvent], None]

__all__ = [
    "LatencyBudget",
    "ProgressBar",
    "ProgressCallback",
    "ProgressEvent",
    "ProgressLine",
    "SweepEvent",
    "SweepProgress",
    "interactive",
    "resolve_progress",
]

_UNIT_SECONDS = 10  # the bar counts tenths of a second of latency sampling


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython is never imported here for this)."""
    if "ipykernel" not in sys.modules or "IPython" not in sys.modules:
        return False
    try:
        shell = sys.modules["IPython"].get_ipython()
    except Exception:  # an IPython without get_ipython: not a kernel we know
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def interactive(stream: TextIO | None = None) -> bool:
    """Whether a person is watching: a notebook kernel, or a terminal on ``stream``.

    Parameters
    ----------
    stream : file-like, optional
        Where a text bar would go; default ``sys.stderr``.

    Returns
    -------
    bool

    Examples
    --------
    >>> import io
    >>> interactive(io.StringIO())
    False
    """
    if _in_notebook():
        return True
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class ProgressBar:
    """A progress callback that draws a tqdm bar: candidate, phase, samples, time left.

    The bar measures the run's latency sampling budget (``max_time`` per
    candidate, the bulk of a run); the time left is what is left of that
    budget, an upper bound (sampling stops early once the intervals are
    tight). Fits, scoring and bulk throughput come before it and show their
    phase and elapsed time. The bar closes when every candidate is done or
    failed.

    Parameters
    ----------
    candidates : sequence of str or int
        The candidates' names (or how many there are).
    max_time : float
        Latency sampling seconds per candidate, as given to measure/compare.
    file : file-like, optional
        Where a text bar goes; default ``sys.stderr`` (a notebook shows a
        widget when ipywidgets is installed).

    Examples
    --------
    >>> import io
    >>> from prodbench.progress import ProgressEvent
    >>> out = io.StringIO()
    >>> bar = ProgressBar(["lone"], max_time=1.0, file=out)
    >>> bar(ProgressEvent("lone", "latency", samples=100, elapsed=0.5))
    >>> bar(ProgressEvent("lone", "done", samples=200))
    >>> "lone" in out.getvalue() and "left" in out.getvalue()
    True
    """

    def __init__(
        self, candidates: Sequence[str] | int, max_time: float, *, file: TextIO | None = None
    ) -> None:
        self.tracker = LatencyBudget(candidates, max_time)
        self.file = file
        self.seen: set[str] = set() if isinstance(candidates, int) else set(candidates)
        self.finished: set[str] = set()
        self._bar: Any = None

    @property
    def n_candidates(self) -> int:
        """How many candidates the bar waits for (runtime variants join late)."""
        return self.tracker.n_candidates

    @property
    def budget(self) -> float:
        """The run's latency sampling budget: ``max_time`` per candidate."""
        return self.tracker.total

    def _open(self) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tqdm.auto warns when ipywidgets is missing
            from tqdm.auto import tqdm

            return tqdm(
                total=max(1, round(self.budget * _UNIT_SECONDS)),
                desc="prodbench",
                bar_format="{desc} {percentage:3.0f}%|{bar:20}| {postfix}",
                file=self.file if self.file is not None else sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )

    def time_left(self) -> float:
        """Seconds of latency sampling left in the run's budget (an upper bound)."""
        return self.tracker.left()

    def describe(self, event: ProgressEvent) -> str:
        """The text beside the bar for ``event``."""
        done = f"[{len(self.finished)}/{self.n_candidates}]"
        if event.phase == "latency":
            what = f"latency, {event.samples:,} samples"
            left = f"≤{self.time_left():.0f} s left"
        elif event.phase in ("done", "failed"):
            what = event.phase
            left = f"≤{self.time_left():.0f} s left" if self.tracker.started else ""
        else:
            what = event.message or event.phase
            left = f"then ≤{self.time_left():.0f} s of latency sampling"
        return ", ".join(p for p in (f"{done} {event.candidate}: {what}", left) if p)

    def __call__(self, event: ProgressEvent) -> None:
        if event.candidate not in self.seen:  # a derived candidate (a runtime variant)
            self.seen.add(event.candidate)
            self.tracker.n_candidates = max(self.n_candidates, len(self.seen))
        if self._bar is None:
            self._bar = self._open()
        self._bar.total = max(1, round(self.budget * _UNIT_SECONDS))
        self.tracker.record(event)
        if event.phase in ("done", "failed"):
            self.finished.add(event.candidate)
        spent = self.budget - self.time_left()
        self._bar.n = min(self._bar.total, round(spent * _UNIT_SECONDS))
        self._bar.set_postfix_str(self.describe(event), refresh=False)
        self._bar.refresh()
        if len(self.finished) >= self.n_candidates:
            self.close()

    def close(self) -> None:
        """Remove the bar (it is closed by itself once every candidate has finished)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def resolve_progress(
    progress: Any, candidates: Sequence[str] | int, max_time: float
) -> Callable[[ProgressEvent], None] | None:
    """Turn measure/compare's ``progress=`` into a callback, or None for no display.

    ``"auto"``: a :class:`ProgressBar` when :func:`interactive`, else None;
    ``True``: a bar always; ``False`` or ``None``: nothing; a callable: itself.

    Examples
    --------
    >>> resolve_progress(False, ["a"], 1.0) is None
    True
    >>> resolve_progress(print, ["a"], 1.0) is print
    True
    """
    if progress is None or progress is False:
        return None
    if progress is True:
        return ProgressBar(candidates, max_time)
    if isinstance(progress, str) and progress == "auto":
        return ProgressBar(candidates, max_time) if interactive() else None
    if callable(progress):
        return progress
    raise DataError(
        f"progress={progress!r} is not a progress setting. Use progress='auto' (a bar in a "
        "notebook or terminal, the default), True (always), False (off), or a function "
        "that takes a prodbench.pipeline.ProgressEvent."
    )


class LatencyBudget:
    """What is left of a run's latency sampling budget: ``max_time`` per candidate.

    The one tracker behind both displays (:class:`ProgressBar` and
    :class:`ProgressLine`): it keeps each candidate's latency sampling time
    from its ``"latency"`` events; what is left is an upper bound (sampling
    stops early once the intervals are tight).

    Parameters
    ----------
    candidates : sequence of str or int
        The candidates' names (or how many there are).
    max_time : float
        Latency sampling seconds per candidate.

    Examples
    --------
    >>> from prodbench.progress import ProgressEvent
    >>> budget = LatencyBudget(["a", "b"], max_time=5.0)
    >>> budget.record(ProgressEvent("a", "latency", elapsed=2.0))
    >>> budget.total, budget.left()
    (10.0, 8.0)
    """

    def __init__(self, candidates: Sequence[str] | int, max_time: float) -> None:
        self.n_candidates = candidates if isinstance(candidates, int) else len(candidates)
        self.max_time = max(float(max_time), 0.0)
        self.elapsed: dict[str, float] = {}  # latency sampling seconds per candidate

    @property
    def total(self) -> float:
        """The run's latency sampling budget: ``max_time`` per candidate."""
        return self.max_time * max(self.n_candidates, 1)

    @property
    def started(self) -> bool:
        """Whether any candidate has begun latency sampling."""
        return bool(self.elapsed)

    def record(self, event: ProgressEvent) -> None:
        """Keep the latency sampling time of a ``"latency"`` event (others are ignored)."""
        if event.phase == "latency":
            self.elapsed[event.candidate] = event.elapsed

    def left(self) -> float:
        """Seconds of latency sampling left in the run's budget (an upper bound)."""
        return max(0.0, self.total - sum(self.elapsed.values()))


class ProgressLine:
    """A progress callback that rewrites one line on a stream: candidate, phase, time left.

    The command line's display (``prodbench compare`` on a terminal): no tqdm,
    one line of at most 79 characters rewritten in place, cleared with
    :meth:`clear` before the results are printed.

    Parameters
    ----------
    candidates : sequence of str or int
        The candidates' names (or how many there are).
    max_time : float
        Latency sampling seconds per candidate.
    file : file-like, optional
        Where the line goes; default ``sys.stderr``.

    Examples
    --------
    >>> import io
    >>> from prodbench.progress import ProgressEvent
    >>> out = io.StringIO()
    >>> line = ProgressLine(["a", "b"], max_time=5.0, file=out)
    >>> line(ProgressEvent("a", "latency", samples=1200, elapsed=2.0))
    >>> out.getvalue()
    '\\rprodbench: a: latency, 1,200 samples, ≤8 s left'
    """

    def __init__(
        self, candidates: Sequence[str] | int, max_time: float, *, file: TextIO | None = None
    ) -> None:
        self.tracker = LatencyBudget(candidates, max_time)
        self.file = file
        self._width = 0

    def time_left(self) -> float:
        """Seconds of latency sampling left in the run's budget (an upper bound)."""
        return self.tracker.left()

    def describe(self, event: ProgressEvent) -> str:
        """The line for ``event`` (at most 79 characters)."""
        line = f"prodbench: {event.candidate}: {event.phase}"
        if event.samples:
            line += f", {event.samples:,} samples"
        if event.phase == "failed":
            line += " (see below)"
        if self.tracker.total:
            if self.tracker.started:
                line += f", ≤{self.time_left():.0f} s left"
            else:
                line += f", then ≤{self.tracker.total:.0f} s of latency sampling"
        return line[:79]

    def __call__(self, event: ProgressEvent) -> None:
        self.tracker.record(event)
        line = self.describe(event)
        stream = self.file if self.file is not None else sys.stderr
        stream.write("\r" + line.ljust(self._width))
        stream.flush()
        self._width = max(self._width, len(line))

    def clear(self) -> None:
        """Blank the line (before the results are printed)."""
        if self._width:
            stream = self.file if self.file is not None else sys.stderr
            stream.write("\r" + " " * self._width + "\r")
            stream.flush()
            self._width = 0

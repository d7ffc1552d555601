"""What a sweep returns: its comparisons, where each case ran, what failed.

:class:`Sweep` holds one :class:`~prodbench.Comparison` per finished case,
a :class:`CaseRun` (where and when) per case and a :class:`FailedCase` per
case that produced none; :class:`SweepSummary` gives the picks across cases.
These are plain result types: the renderers (``prodbench.report``,
``prodbench.plot``) read them without importing the machinery that runs a
sweep (:mod:`prodbench.sweeps`, its Dask driver).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .environment import THREAD_ENV_VARS
from .errors import SchemaError
from .results import SCHEMA_VERSION, check_schema, load_json, write_json_atomic
from .verdict import Budget, Comparison

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CaseOutcome",
    "CaseRun",
    "FailedCase",
    "Sweep",
    "SweepInterrupted",
    "SweepSummary",
]


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: outstanding cases were cancelled, finished ones kept.

    A :class:`KeyboardInterrupt`, so code that does not know it still stops.

    Attributes
    ----------
    sweep : Sweep
        The cases finished before the interrupt (also saved to ``output=``).

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> issubclass(pb.SweepInterrupted, KeyboardInterrupt)
    True
    >>> try:  # press Ctrl-C while it runs  # doctest: +SKIP
    ...     sw = pb.sweep(["iris", "wine"], [GaussianNB(), DecisionTreeClassifier()],
    ...                   max_time=0.3, batch_sizes=(1,))
    ... except pb.SweepInterrupted as stop:
    ...     sw = stop.sweep  # the cases finished before the interrupt
    """

    def __init__(self, sweep: Sweep) -> None:
        super().__init__(f"sweep interrupted after {len(sweep.comparisons)} finished case(s)")
        self.sweep = sweep


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class CaseRun:
    """Where and when one case ran.

    Timestamps are seconds since the epoch (``time.time()``), taken on the
    machine that ran the case, except ``submitted_at`` (taken here).

    Attributes
    ----------
    worker : str
        The Dask worker's address; ``""`` when the case ran in this process.
    host : str
        The machine's host name (the key of the host lock).
    cpu_model : str
    logical_cores : int or None
    usable_cores : int or None
        Cores this process may run on (affinity), when known.
    worker_threads : int or None
        Threads of the Dask worker (``None`` when run here).
    thread_env : dict
        The thread-setting environment variables
        (:data:`prodbench.environment.THREAD_ENV_VARS`)
        in force where the case ran; a missing key was unset.
    threadpools : tuple of dict
        The native thread pools loaded after the case (threadpoolctl:
        ``internal_api``, ``prefix``, ``num_threads``).
    lock : str
        ``"host"`` (one case per host at a time), ``"none"`` (the lock was
        lifted with ``exclusive_hosts=False``) or ``"sequential"`` (run here,
        one case after another).
    attempts : int
        How often the case was started (2 after a lost worker).
    lost_workers : tuple of str
        Workers that were lost while running this case.
    submitted_at, started_at, lock_requested_at, measure_start, latency_start, latency_end, \
measure_end, finished_at : float
        Submission (here), start on the worker, host lock requested (after
        the candidates were unpickled; NaN without a lock), host lock
        acquired (the case's measurement starts), first and last single-request latency
        sample (from the progress events of the comparison), comparison
        over (host lock released just after), end of the task.
    """

    worker: str = ""
    host: str = ""
    cpu_model: str = ""
    logical_cores: int | None = None
    usable_cores: int | None = None
    worker_threads: int | None = None
    thread_env: dict[str, str] = field(default_factory=dict)
    threadpools: tuple[dict[str, Any], ...] = ()
    lock: str = "sequential"
    attempts: int = 1
    lost_workers: tuple[str, ...] = ()
    submitted_at: float = math.nan
    started_at: float = math.nan
    lock_requested_at: float = math.nan
    measure_start: float = math.nan
    latency_start: float = math.nan
    latency_end: float = math.nan
    measure_end: float = math.nan
    finished_at: float = math.nan

    @property
    def scheduling_delay(self) -> float:
        """Seconds from submission to the case starting on its worker."""
        return self.started_at - self.submitted_at

    @property
    def lock_wait(self) -> float:
        """Seconds the case waited for its host lock (NaN without a lock)."""
        return self.measure_start - self.lock_requested_at

    @property
    def setup_time(self) -> float:
        """Seconds from the start on the worker to measuring (unpickling, lock, imports)."""
        return self.measure_start - self.started_at

    @property
    def where(self) -> str:
        """``host (worker)`` in a few words."""
        return f"{self.host} ({self.worker})" if self.worker else (self.host or "here")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = list(value)
            if isinstance(value, float) and math.isnan(value):
                value = None
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseRun:
        """Inverse of :meth:`to_dict`."""
        known = set(cls.__dataclass_fields__)
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            default = cls.__dataclass_fields__[key].default
            if isinstance(default, float) and value is None:
                value = math.nan
            if key in ("threadpools", "lost_workers"):
                value = tuple(value)
            kwargs[key] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class FailedCase:
    """A case that produced no comparison, and why.

    Attributes
    ----------
    name : str
    reason : str
        One paragraph: what went wrong.
    error_type : str
        ``"WorkerLost"``, ``"KilledWorker"``, or the error's class name.
    """

    name: str
    reason: str
    error_type: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"name": self.name, "reason": self.reason, "error_type": self.error_type}


@dataclass(frozen=True)
class SweepSummary:
    """Per case research and production picks, and how often each candidate won.

    Attributes
    ----------
    research_picks, production_picks : dict
        Case -> pick (``None``: no candidate measured, or none passes the budget).
    research_counts, production_counts : dict
        Candidate -> number of cases it is picked in, most first.
    no_production_pick : tuple of str
        Measured cases where no candidate passes the budget (failed or undecided).
    failed : tuple of str
        Cases that failed, or in which a candidate failed.
    """

    research_picks: dict[str, str | None]
    production_picks: dict[str, str | None]
    research_counts: dict[str, int]
    production_counts: dict[str, int]
    no_production_pick: tuple[str, ...]
    failed: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "research_picks": self.research_picks,
            "production_picks": self.production_picks,
            "research_counts": self.research_counts,
            "production_counts": self.production_counts,
            "no_production_pick": list(self.no_production_pick),
            "failed": list(self.failed),
        }

    def __str__(self) -> str:
        def counts(c: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in c.items()) or "none"

        lines = [
            f"research picks: {counts(self.research_counts)}",
            f"production picks: {counts(self.production_counts)}",
        ]
        if self.no_production_pick:
            lines.append(f"no production pick: {', '.join(self.no_production_pick)}")
        if self.failed:
            lines.append(f"failures in: {', '.join(self.failed)}")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Sweep:
    """The comparisons of a sweep, where each ran, and what failed.

    Build it with :func:`prodbench.sweep`. ``sw.comparisons[case]`` is a full
    :class:`~prodbench.Comparison`; everything else is derived when asked.

    Attributes
    ----------
    cases : tuple of str
        Every case, in the order given.
    comparisons : dict
        Case -> :class:`~prodbench.Comparison`, for finished cases.
    failures : dict
        Case -> :class:`FailedCase`.
    runs : dict
        Case -> :class:`CaseRun` (where and when it ran).
    candidates : dict
        Case -> candidate names, in order.
    budget : Budget or None
    scheduler : str
        ``"sequential"``, ``"local:N"`` or the scheduler's address.
    exclusive_hosts : bool
        Whether one case at a time measured per host.
    options : dict
        The compare options every case ran with (JSON form).
    notes : tuple of str
        Things said at run time (e.g. workers sharing this machine's cores).
    fingerprints : dict
        Case -> what it ran on: each candidate's estimator class and a hash of
        its parameters, the data's rows, features, columns and a digest of its
        values. ``resume`` reuses a finished case only when they match.

    Examples
    --------
    >>> import prodbench as pb
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> sw = pb.sweep(["iris"], [LogisticRegression(max_iter=1000),
    ...                          DecisionTreeClassifier(random_state=0)],
    ...               max_time=0.2, batch_sizes=(1,))
    >>> sw.cases, sw.runs["iris"].lock
    (('iris',), 'sequential')
    >>> list(sw.to_frame().columns[:3])
    ['case', 'candidate', 'status']
    """

    cases: tuple[str, ...]
    comparisons: dict[str, Comparison]
    failures: dict[str, FailedCase] = field(default_factory=dict)
    runs: dict[str, CaseRun] = field(default_factory=dict)
    candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    budget: Budget | None = None
    scheduler: str = "sequential"
    exclusive_hosts: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict)

    # -- derived ---------------------------------------------------------------
    @property
    def finished(self) -> list[str]:
        """Cases with a comparison, in order."""
        return [c for c in self.cases if c in self.comparisons]

    @property
    def pending(self) -> list[str]:
        """Cases neither finished nor failed (an interrupted sweep)."""
        return [c for c in self.cases if c not in self.comparisons and c not in self.failures]

    @property
    def ok(self) -> bool:
        """True when every case finished and no candidate failed."""
        return (
            not self.failures
            and not self.pending
            and all(cmp.ok for cmp in self.comparisons.values())
        )

    @property
    def summary(self) -> SweepSummary:
        """Research and production pick per case, and counts across cases."""
        research = {c: self.comparisons[c].research_pick for c in self.finished}
        production = {c: self.comparisons[c].production_pick for c in self.finished}

        def counts(picks: dict[str, str | None]) -> dict[str, int]:
            return dict(Counter(p for p in picks.values() if p is not None).most_common())

        no_pick = tuple(
            c for c in self.finished if self.comparisons[c].measured and production[c] is None
        )
        failed = tuple(
            c
            for c in self.cases
            if c in self.failures or (c in self.comparisons and not self.comparisons[c].ok)
        )
        return SweepSummary(
            research_picks=research,
            production_picks=production,
            research_counts=counts(research),
            production_counts=counts(production),
            no_production_pick=no_pick,
            failed=failed,
        )

    @property
    def overlaps(self) -> list[tuple[str, str, str]]:
        """``(host, case, case)`` for cases whose latency phases overlapped on one host.

        Empty when the host lock did its job (or cases ran on different hosts).
        """
        out = []
        timed = [
            (c, r)
            for c, r in self.runs.items()
            if c in self.comparisons and not math.isnan(r.latency_start + r.latency_end)
        ]
        for i, (a, ra) in enumerate(timed):
            for b, rb in timed[i + 1 :]:
                if ra.host == rb.host and (
                    ra.latency_start < rb.latency_end and rb.latency_start < ra.latency_end
                ):
                    out.append((ra.host, a, b))
        return out

    @property
    def warnings(self) -> list[str]:
        """What a reader must know before comparing cases side by side."""
        out = list(self.notes)
        models: dict[str, list[str]] = {}
        for case in self.finished:
            run = self.runs.get(case)
            if run is not None and run.cpu_model:
                models.setdefault(run.cpu_model, []).append(case)
        if len(models) > 1:
            parts = "; ".join(f"{m}: {', '.join(cs)}" for m, cs in models.items())
            out.append(
                "cases ran on different CPU models, so their absolute latencies differ by "
                f"hardware too ({parts}); compare candidates within a case"
            )
        pinned = [
            c
            for c in self.finished
            if (run := self.runs.get(c)) is not None
            and run.worker
            and (run.logical_cores or 1) > 1
            and any(run.thread_env.get(k) == "1" for k in THREAD_ENV_VARS[:3])
        ]
        if pinned and self.options.get("threads") != 1:
            out.append(
                f"cases {', '.join(pinned)} ran on Dask workers whose native thread pools "
                "were pinned to 1 (the nanny sets OMP_NUM_THREADS, MKL_NUM_THREADS and "
                "OPENBLAS_NUM_THREADS to 1), so their fits and bulk throughput used one thread: "
                "set distributed.nanny.pre-spawn-environ on the workers for the protocol's "
                "threads (see the README)"
            )
        if not self.exclusive_hosts:
            out.append(
                "exclusive_hosts=False: cases may have measured at the same time on one "
                "host and shared its cores"
            )
        for host, a, b in self.overlaps:
            out.append(f"cases {a} and {b} timed latency at the same time on {host}")
        return out

    def rows(self) -> list[tuple[str, str]]:
        """``(case, candidate)`` pairs in table order, as every renderer lists them.

        A finished case lists what it compared (compiled runtimes add
        ``NAME@RUNTIME``); a failed or pending one the candidates it was given.

        Returns
        -------
        list of (str, str)

        Examples
        --------
        >>> Sweep(cases=("a",), comparisons={}, candidates={"a": ("x", "y")}).rows()
        [('a', 'x'), ('a', 'y')]
        """
        out = []
        for case in self.cases:
            cmp = self.comparisons.get(case)
            names = cmp.names if cmp is not None else self.candidates.get(case)
            out += [(case, name) for name in names or ()]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per (case, candidate): score, p50/p99 with intervals, budget, picks.

        Returns
        -------
        pandas.DataFrame
            Columns ``case``, ``candidate``, ``status``, ``score_name``,
            ``score``, ``p50_s``, ``p50_low_s``, ``p50_high_s``, ``p99_s``,
            ``p99_low_s``, ``p99_high_s``, ``p99_undersampled``, ``n_samples``,
            ``budget`` (pass/fail/inconclusive or None), ``research_pick``,
            ``production_pick``, ``host``, ``worker``, ``cpu_model``.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()],
        ...               budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> df = sw.to_frame()
        >>> list(df["candidate"])
        ['GaussianNB', 'DecisionTreeClassifier']
        """
        from . import report

        return report.to_frame(self)

    # -- rendering ---------------------------------------------------------------
    def __str__(self) -> str:
        from . import report

        return report.render(self, "table")

    def to_text(self) -> str:
        """The text table, picks and warnings (what ``print(sw)`` shows).

        Returns
        -------
        str

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()],
        ...               budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> "iris" in sw.to_text()
        True
        """
        return str(self)

    def to_markdown(self) -> str:
        """The sweep as a Markdown table with picks and warnings.

        Returns
        -------
        str
            One row per case and candidate: score, p99 with its interval, the
            budget outcome and the picks.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()],
        ...               budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> "| iris" in sw.to_markdown()
        True
        """
        from . import report

        return report.render(self, "markdown")

    def _repr_html_(self) -> str:
        from . import report

        return report.render(self, "html")

    def to_html(self, path: str | os.PathLike[str]) -> None:
        """Write the report page of the sweep: one self-contained HTML file.

        Each case's decision in plain words (research and production picks,
        the stakeholders), the table of every case, each case's research and
        production tables, the plot inlined as SVG (the ``plot`` extra;
        without it the page says so), the warnings and where cases ran.
        Written atomically; see :func:`prodbench.report.render_page`.

        Parameters
        ----------
        path : str or path-like
            The ``.html`` file to write; its directory must exist.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "sweep.html"
        >>> Sweep(cases=("a",), comparisons={}).to_html(out)
        >>> "prodbench sweep report" in out.read_text()
        True
        """
        from . import report

        report.write_page(self, path)

    def __repr__(self) -> str:
        failed = f", failed={sorted(self.failures)!r}" if self.failures else ""
        return (
            f"Sweep(cases={list(self.cases)!r}, scheduler={self.scheduler!r}, "
            f"finished={len(self.comparisons)}{failed})"
        )

    def plot(self, **kwargs: Any) -> Any:
        """Score and p99 (with intervals) of every candidate in every case (``plot`` extra).

        One call to :func:`prodbench.plot.plot_sweep`: two panels share the cases
        on the x axis, p99 latency (log, with its 95% interval and the p99 budget)
        and the score; production picks ringed, research picks starred.

        Parameters
        ----------
        figsize : (float, float), optional
            Size of the figure in inches (default: wider with more cases).

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        MissingDependencyError
            When matplotlib is not installed (``pip install "prodbench[plot]"``).

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()],
        ...               budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> fig = sw.plot(figsize=(8, 4))
        >>> [a.get_title() for a in fig.axes]
        ['p99 latency by case', 'Score by case']
        """
        from . import plot

        return plot.plot_sweep(self, **kwargs)

    # -- persistence -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: every comparison with raw samples, runs, failures.

        Returns
        -------
        dict
            Read back by :meth:`from_dict`.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()],
        ...               budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> data = sw.to_dict()
        >>> data["kind"], data["cases"]
        ('Sweep', ['iris'])
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "Sweep",
            "cases": list(self.cases),
            "candidates": {c: list(n) for c, n in self.candidates.items()},
            "budget": None if self.budget is None else self.budget.to_dict(),
            "scheduler": self.scheduler,
            "exclusive_hosts": self.exclusive_hosts,
            "options": self.options,
            "notes": list(self.notes),
            "comparisons": {c: cmp.to_dict() for c, cmp in self.comparisons.items()},
            "failures": {c: f.to_dict() for c, f in self.failures.items()},
            "runs": {c: r.to_dict() for c, r in self.runs.items()},
            "fingerprints": self.fingerprints,
            "summary": self.summary.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sweep:
        """Inverse of :meth:`to_dict`; rejects an unknown ``schema_version``.

        Parameters
        ----------
        data : Mapping
            A saved sweep, as :meth:`to_dict` wrote it.

        Returns
        -------
        Sweep

        Raises
        ------
        SchemaError
            For something that is not a saved sweep, or a newer version.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()],
        ...               budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> pb.Sweep.from_dict(sw.to_dict()).cases
        ('iris',)
        """
        data = check_schema(data, "Sweep")
        try:
            return cls(
                cases=tuple(data["cases"]),
                comparisons={
                    c: Comparison.from_dict(d) for c, d in data.get("comparisons", {}).items()
                },
                failures={c: FailedCase(**f) for c, f in data.get("failures", {}).items()},
                runs={c: CaseRun.from_dict(r) for c, r in data.get("runs", {}).items()},
                candidates={c: tuple(n) for c, n in data.get("candidates", {}).items()},
                budget=None if data.get("budget") is None else Budget(**data["budget"]),
                scheduler=str(data.get("scheduler", "sequential")),
                exclusive_hosts=bool(data.get("exclusive_hosts", True)),
                options=dict(data.get("options", {})),
                notes=tuple(data.get("notes", ())),
                fingerprints={
                    str(c): dict(f) for c, f in dict(data.get("fingerprints", {})).items()
                },
            )
        except (KeyError, TypeError, AttributeError, ValueError, OverflowError) as exc:
            if isinstance(exc, SchemaError):
                raise
            raise SchemaError(
                f"The saved sweep is incomplete or malformed ({type(exc).__name__}: {exc}). "
                "Re-run the sweep and save it again."
            ) from exc

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_dict` to ``path`` atomically (temp file, then rename).

        Parameters
        ----------
        path : str or os.PathLike
            The JSON file to write (replaced if it exists).

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()],
        ...               budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> sw.to_json("sweep.json")
        >>> pb.Sweep.from_json("sweep.json").cases == sw.cases
        True
        """
        write_json_atomic(path, self.to_dict())

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Sweep:
        """Read a file written by :meth:`to_json` (or ``sweep --output``).

        Parameters
        ----------
        path : str or os.PathLike
            The JSON file.

        Returns
        -------
        Sweep

        Raises
        ------
        SchemaError
            For a file that is not a saved sweep.

        Examples
        --------
        >>> import prodbench as pb
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> sw = pb.sweep(["iris"], [GaussianNB(), DecisionTreeClassifier()],
        ...               budget="p99=50ms", max_time=0.3, batch_sizes=(1,))
        >>> sw.to_json("sweep.json")
        >>> sorted(pb.Sweep.from_json("sweep.json").comparisons)
        ['iris']
        """
        return cls.from_dict(load_json(path))


@dataclass
class CaseOutcome:
    """What running one case returns, from a Dask worker or from here.

    Attributes
    ----------
    name : str
        The case.
    comparison : Comparison or None
        None when the case failed.
    error_type, reason : str
        Why it failed (empty when it did not).
    run : CaseRun
        Where and when it ran.
    """

    name: str
    comparison: Comparison | None
    error_type: str
    reason: str
    run: CaseRun

"""Result types of :mod:`prodbench.serving`: capacity under load and load tests.

Frozen dataclasses holding raw values, derived figures as properties, and a
lossless ``to_dict`` / ``from_dict`` (the pattern of :mod:`prodbench.results`).
:class:`Capacity` is saved on its own (``kind: "Capacity"``), so the layout of
saved comparisons and model results is unchanged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import stats
from ._saved import invalid, saved_count, saved_float
from .errors import SchemaError
from .memory import WorkerMemory
from .results import SCHEMA_VERSION, LatencyResult, check_schema, load_json, write_json_atomic


def _non_negative(value: Any, field_name: str) -> float:
    """A saved number that is 0 or more (infinite allowed: an open interval's side)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(field_name, value, "a number")
    number = float(value)
    if number != number or number < 0:  # NaN or negative
        raise invalid(field_name, value, "a number of 0 or more")
    return number


__all__ = [
    "BatchedCapacity",
    "CandidateCapacity",
    "Capacity",
    "LoadLatency",
    "LoadPoint",
    "LoadTestResult",
    "MaxQPS",
]


def _limits(data: Mapping[str, Any]) -> dict[str, float]:
    return {str(k): float(v) for k, v in data.items()}


@dataclass(frozen=True)
class MaxQPS:
    """The highest arrival rate whose simulated percentiles meet a budget.

    Parameters
    ----------
    workers : int
        Identical servers sharing one FIFO queue.
    qps : float
        Highest rate (requests per second) meeting every percentile limit,
        simulated with the measured service times.
    qps_low, qps_high : float
        95% bootstrap interval (over the measured samples and simulation seeds).
    mean_service_s : float
        Mean of the measured service times, in seconds.
    n_samples : int
        Measured service-time samples the simulation drew from.
    budget : dict
        The percentile limits, ``{"p99": 0.005}`` (seconds).
    undersampled : bool
        True when ``n_samples`` is below what the budget's highest percentile
        needs (662 for p99): the capacity then rests on a poorly known tail.
    requests : int
        Simulated requests per replicate (after the warm-up prefix).
    replicates : int
        Bootstrap replicates behind the interval.
    capped : bool
        True when the budget still held at the highest utilisation the
        simulation is trusted at (:func:`prodbench.serving.trusted_utilization`):
        :attr:`qps` is then a lower bound.

    Examples
    --------
    >>> m = MaxQPS(workers=2, qps=1500.0, qps_low=1400.0, qps_high=1550.0,
    ...            mean_service_s=0.001, n_samples=5000, budget={"p99": 0.005})
    >>> m.interval, m.utilization, m.saturation_qps
    ((1400.0, 1550.0), 0.75, 2000.0)
    """

    workers: int
    qps: float
    qps_low: float
    qps_high: float
    mean_service_s: float
    n_samples: int
    budget: dict[str, float] = field(default_factory=dict)
    undersampled: bool = False
    requests: int = 0
    replicates: int = 0
    capped: bool = False

    @property
    def interval(self) -> tuple[float, float]:
        """95% interval of :attr:`qps`."""
        return (self.qps_low, self.qps_high)

    @property
    def utilization(self) -> float:
        """Fraction of the workers' time busy at :attr:`qps`."""
        return self.qps * self.mean_service_s / self.workers

    @property
    def saturation_qps(self) -> float:
        """The rate at which the workers are busy all the time (no budget)."""
        return self.workers / self.mean_service_s if self.mean_service_s > 0 else math.inf

    @property
    def per_worker(self) -> float:
        """:attr:`qps` divided by the workers."""
        return self.qps / self.workers

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "workers": self.workers,
            "qps": self.qps,
            "qps_low": self.qps_low,
            "qps_high": self.qps_high,
            "mean_service_s": self.mean_service_s,
            "n_samples": self.n_samples,
            "budget": dict(self.budget),
            "undersampled": self.undersampled,
            "requests": self.requests,
            "replicates": self.replicates,
            "capped": self.capped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MaxQPS:
        """Inverse of :meth:`to_dict`."""
        return cls(
            workers=saved_count(data["workers"], "max_qps workers", least=1),
            qps=_non_negative(data["qps"], "max_qps qps"),
            qps_low=_non_negative(data["qps_low"], "max_qps qps_low"),
            qps_high=_non_negative(data["qps_high"], "max_qps qps_high"),
            mean_service_s=_non_negative(data["mean_service_s"], "max_qps mean_service_s"),
            n_samples=saved_count(data["n_samples"], "max_qps n_samples"),
            budget=_limits(data.get("budget", {})),
            undersampled=bool(data.get("undersampled", False)),
            requests=int(data.get("requests", 0)),
            replicates=int(data.get("replicates", 0)),
            capped=bool(data.get("capped", False)),
        )

    def __repr__(self) -> str:
        flag = (", undersampled" if self.undersampled else "") + (
            ", capped (lower bound)" if self.capped else ""
        )
        return (
            f"MaxQPS(workers={self.workers}, qps={self.qps:.4g} "
            f"[{self.qps_low:.4g}, {self.qps_high:.4g}], "
            f"utilization={self.utilization:.2f}{flag})"
        )


@dataclass(frozen=True)
class LoadPoint:
    """One candidate at a target rate: the workers it needs and what that costs.

    Parameters
    ----------
    qps : float
        The target rate.
    workers : int or None
        The fewest workers whose max-QPS lower bound reaches ``qps``; None
        when no number of workers meets the budget (the service time alone
        exceeds it) or more than ``max_workers`` would be needed.
    p50, p99 : float
        Simulated sojourn percentiles (seconds) at ``qps`` with ``workers``
        (NaN when ``workers`` is None).
    price_per_core_hour : float
        US dollars per core-hour; one core per worker.
    reason : str
        Why ``workers`` is None, else empty.
    note : str
        A caveat on ``workers`` (e.g. it has no upper bound), else empty.

    Examples
    --------
    >>> lp = LoadPoint(qps=500.0, workers=2, p50=0.001, p99=0.004, price_per_core_hour=0.05)
    >>> round(lp.cost_per_million, 4)
    0.0556
    """

    qps: float
    workers: int | None
    p50: float
    p99: float
    price_per_core_hour: float
    reason: str = ""
    note: str = ""

    @property
    def cost_per_million(self) -> float:
        """Dollars per million predictions at :attr:`qps` (``workers`` cores busy or idle)."""
        if self.workers is None:
            return math.nan
        hours = 1e6 / self.qps / 3600.0
        return self.workers * self.price_per_core_hour * hours

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "qps": self.qps,
            "workers": self.workers,
            "p50": self.p50,
            "p99": self.p99,
            "price_per_core_hour": self.price_per_core_hour,
            "reason": self.reason,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoadPoint:
        """Inverse of :meth:`to_dict`."""
        workers = data.get("workers")
        return cls(
            qps=float(data["qps"]),
            workers=None if workers is None else int(workers),
            p50=float(data["p50"]),
            p99=float(data["p99"]),
            price_per_core_hour=float(data["price_per_core_hour"]),
            reason=str(data.get("reason", "")),
            note=str(data.get("note", "")),
        )


@dataclass(frozen=True)
class BatchedCapacity:
    """A candidate's best micro-batching policy: its max QPS, and the workers at a target rate.

    Parameters
    ----------
    max_batch, max_wait : int, float
        The policy with the highest max QPS at ``max_qps.workers`` workers
        (``max_wait`` in seconds).
    max_qps : MaxQPS
        Its max QPS within the budget, with the interval.
    target : LoadPoint, optional
        The fewest workers for the target rate with some policy of the grid
        (``target_policy``), when a target was given.
    target_policy : tuple of (int, float), optional
        The ``(max_batch, max_wait)`` behind ``target``.
    note : str
        A caveat (the grid cut short by the time bound), else empty.

    Examples
    --------
    >>> m = MaxQPS(1, 9000.0, 8800.0, 9100.0, 0.0004, 5000, {"p99": 0.005})
    >>> b = BatchedCapacity(8, 0.001, m)
    >>> BatchedCapacity.from_dict(b.to_dict()) == b
    True
    """

    max_batch: int
    max_wait: float
    max_qps: MaxQPS
    target: LoadPoint | None = None
    target_policy: tuple[int, float] | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "max_batch": self.max_batch,
            "max_wait": self.max_wait,
            "max_qps": self.max_qps.to_dict(),
            "target": None if self.target is None else self.target.to_dict(),
            "target_policy": None if self.target_policy is None else list(self.target_policy),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchedCapacity:
        """Inverse of :meth:`to_dict`."""
        target = data.get("target")
        policy = data.get("target_policy")
        return cls(
            max_batch=saved_count(data["max_batch"], "batched max_batch", least=1),
            max_wait=_non_negative(data["max_wait"], "batched max_wait"),
            max_qps=MaxQPS.from_dict(data["max_qps"]),
            target=None if target is None else LoadPoint.from_dict(target),
            target_policy=None if policy is None else (int(policy[0]), float(policy[1])),
            note=str(data.get("note", "")),
        )


@dataclass(frozen=True)
class CandidateCapacity:
    """One candidate's capacity: max QPS per worker count, and the target load.

    Examples
    --------
    >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
    >>> cap = CandidateCapacity("lone", {1: m})
    >>> cap[1].qps, cap.qps, cap.undersampled
    (800.0, 800.0, False)
    """

    name: str
    max_qps: dict[int, MaxQPS]
    target: LoadPoint | None = None
    batched: BatchedCapacity | None = None

    def __getitem__(self, workers: int) -> MaxQPS:
        return self.max_qps[workers]

    @property
    def _first(self) -> MaxQPS:
        return self.max_qps[min(self.max_qps)]

    @property
    def qps(self) -> float:
        """Max QPS at the smallest worker count computed."""
        return self._first.qps

    @property
    def interval(self) -> tuple[float, float]:
        """Interval of :attr:`qps`."""
        return self._first.interval

    @property
    def utilization(self) -> float:
        """Utilization at :attr:`qps`."""
        return self._first.utilization

    @property
    def undersampled(self) -> bool:
        """True when the measured samples are too few for the budget's percentile."""
        return any(m.undersampled for m in self.max_qps.values())

    @property
    def n_samples(self) -> int:
        """Measured service-time samples."""
        return self._first.n_samples if self.max_qps else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "max_qps": [m.to_dict() for m in self.max_qps.values()],
            "target": None if self.target is None else self.target.to_dict(),
            **({} if self.batched is None else {"batched": self.batched.to_dict()}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CandidateCapacity:
        """Inverse of :meth:`to_dict`."""
        items = [MaxQPS.from_dict(m) for m in data["max_qps"]]
        target = data.get("target")
        batched = data.get("batched")
        return cls(
            name=str(data["name"]),
            max_qps={m.workers: m for m in items},
            target=None if target is None else LoadPoint.from_dict(target),
            batched=None if batched is None else BatchedCapacity.from_dict(batched),
        )


@dataclass(frozen=True)
class Capacity:
    """Capacity of every candidate of a comparison under a latency budget.

    Built by :meth:`prodbench.Comparison.capacity`; saved on its own with
    :meth:`to_json` (``kind: "Capacity"``).

    Examples
    --------
    >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
    >>> cap = Capacity(budget={"p99": 0.005}, workers=(1,), candidates={
    ...     "lone": CandidateCapacity("lone", {1: m})})
    >>> Capacity.from_dict(cap.to_dict()) == cap
    True
    """

    budget: dict[str, float]
    workers: tuple[int, ...]
    candidates: dict[str, CandidateCapacity]
    qps: float | None = None
    price_per_core_hour: float = 0.05
    replicates: int = 0
    requests: int = 0
    notes: tuple[str, ...] = ()
    arrivals: str = "poisson"
    memory: dict[str, WorkerMemory] = field(default_factory=dict)
    host_memory: int | None = None

    def __getitem__(self, name: str) -> CandidateCapacity:
        return self.candidates[name]

    def memory_per_worker(self, name: str) -> int | None:
        """Bytes one worker of candidate ``name`` needs (None when its memory was not recorded).

        The larger of its resident set once loaded and its peak while
        predicting (:attr:`prodbench.memory.WorkerMemory.per_worker_bytes`).

        Parameters
        ----------
        name : str
            A candidate's name.

        Returns
        -------
        int or None

        Examples
        --------
        >>> from prodbench.memory import WorkerMemory
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity({"p99": 0.005}, (1,), {"lone": CandidateCapacity("lone", {1: m})},
        ...                memory={"lone": WorkerMemory(300 << 20, None, 400 << 20)})
        >>> cap.memory_per_worker("lone") == 400 << 20
        True
        """
        kept = self.memory.get(name)
        return None if kept is None else kept.per_worker_bytes

    def workers_per_host(self, name: str) -> int | None:
        """How many workers of ``name`` fit in :attr:`host_memory` (None without both figures).

        Parameters
        ----------
        name : str
            A candidate's name.

        Returns
        -------
        int or None
            ``host_memory // memory per worker`` (0 when one worker does not fit).

        Examples
        --------
        >>> from prodbench.memory import WorkerMemory
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity({"p99": 0.005}, (1,), {"lone": CandidateCapacity("lone", {1: m})},
        ...                memory={"lone": WorkerMemory(3 << 30, None, 3 << 30)},
        ...                host_memory=16 << 30)
        >>> cap.workers_per_host("lone")
        5
        """
        per = self.memory_per_worker(name)
        if per is None or self.host_memory is None or per <= 0:
            return None
        return self.host_memory // per

    def hosts_needed(self, name: str, workers: int | None = None) -> int | None:
        """Hosts of :attr:`host_memory` that ``workers`` workers of ``name`` need, by memory.

        Parameters
        ----------
        name : str
            A candidate's name.
        workers : int, optional
            The worker count; default the workers needed at :attr:`qps`.

        Returns
        -------
        int or None
            None without the memory figures or a worker count, or when one
            worker does not fit on a host.

        Examples
        --------
        >>> from prodbench.memory import WorkerMemory
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity({"p99": 0.005}, (1,), {"lone": CandidateCapacity("lone", {1: m})},
        ...                memory={"lone": WorkerMemory(3 << 30, None, 3 << 30)},
        ...                host_memory=16 << 30)
        >>> cap.hosts_needed("lone", workers=8)
        2
        """
        count = self.workers_needed(name) if workers is None else workers
        per_host = self.workers_per_host(name)
        if count is None or not per_host:
            return None
        return -(-count // per_host)

    def workers_needed(self, name: str) -> int | None:
        """Workers candidate ``name`` needs at :attr:`qps` (None if unmet or no target).

        Parameters
        ----------
        name : str
            A candidate's name.

        Returns
        -------
        int or None
            The fewest workers whose max QPS (its 95% lower bound) reaches the
            target rate; None without a target rate, or when no worker count tried
            reaches it.

        Examples
        --------
        >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity(budget={"p99": 0.005}, workers=(1,), candidates={
        ...     "lone": CandidateCapacity("lone", {1: m})})
        >>> cap.workers_needed("lone") is None  # no target rate (qps=None)
        True
        """
        cand = self.candidates.get(name)
        if cand is None or cand.target is None:
            return None
        return cand.target.workers

    @property
    def undersampled(self) -> list[str]:
        """Candidates whose capacity rests on too few measured samples."""
        return [n for n, c in self.candidates.items() if c.undersampled]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with ``schema_version``, read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity(budget={"p99": 0.005}, workers=(1,), candidates={
        ...     "lone": CandidateCapacity("lone", {1: m})})
        >>> cap.to_dict()["kind"]
        'Capacity'
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "Capacity",
            "budget": dict(self.budget),
            "workers": list(self.workers),
            "qps": self.qps,
            "price_per_core_hour": self.price_per_core_hour,
            "replicates": self.replicates,
            "requests": self.requests,
            "notes": list(self.notes),
            "arrivals": self.arrivals,
            "candidates": [c.to_dict() for c in self.candidates.values()],
            "memory": {n: m.to_dict() for n, m in self.memory.items()},
            "host_memory": self.host_memory,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Capacity:
        """Inverse of :meth:`to_dict`; rejects an unknown ``schema_version``.

        Parameters
        ----------
        data : Mapping
            A saved capacity, as :meth:`to_dict` wrote it.

        Returns
        -------
        Capacity

        Raises
        ------
        SchemaError
            For something that is not a saved capacity, or a malformed one.

        Examples
        --------
        >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity(budget={"p99": 0.005}, workers=(1,), candidates={
        ...     "lone": CandidateCapacity("lone", {1: m})})
        >>> Capacity.from_dict(cap.to_dict()) == cap
        True
        """
        check_schema(data, "Capacity")
        try:
            items = [CandidateCapacity.from_dict(c) for c in data["candidates"]]
            qps = data.get("qps")
            return cls(
                budget=_limits(data["budget"]),
                workers=tuple(saved_count(w, "workers", least=1) for w in data["workers"]),
                candidates={c.name: c for c in items},
                qps=None if qps is None else saved_float(qps, "qps", positive=True),
                price_per_core_hour=saved_float(
                    data.get("price_per_core_hour", 0.05), "price_per_core_hour", positive=True
                ),
                replicates=int(data.get("replicates", 0)),
                requests=int(data.get("requests", 0)),
                notes=tuple(data.get("notes", ())),
                arrivals=str(data.get("arrivals", "poisson")),
                memory={
                    str(n): WorkerMemory.from_dict(m) for n, m in (data.get("memory") or {}).items()
                },
                host_memory=None
                if data.get("host_memory") is None
                else saved_count(data["host_memory"], "host_memory", least=1),
            )
        except SchemaError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise SchemaError(
                f"The saved capacity is incomplete or malformed ({type(exc).__name__}: {exc}). "
                "Compute it again with Comparison.capacity() and save it."
            ) from exc

    def __str__(self) -> str:
        from . import report

        return report.render(self, "table")

    def to_markdown(self) -> str:
        """The capacity as Markdown: max QPS within the budget per candidate and worker count.

        Returns
        -------
        str

        Examples
        --------
        >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity(budget={"p99": 0.005}, workers=(1,), candidates={
        ...     "lone": CandidateCapacity("lone", {1: m})})
        >>> "lone" in cap.to_markdown()
        True
        """
        from . import report

        return report.render(self, "markdown")

    def _repr_html_(self) -> str:
        from . import report

        return report.render(self, "html")

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_dict` to ``path`` atomically.

        Parameters
        ----------
        path : str or os.PathLike
            The JSON file to write (replaced if it exists).

        Examples
        --------
        >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity(budget={"p99": 0.005}, workers=(1,), candidates={
        ...     "lone": CandidateCapacity("lone", {1: m})})
        >>> cap.to_json("capacity.json")
        >>> Capacity.from_json("capacity.json") == cap
        True
        """
        write_json_atomic(path, self.to_dict())

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Capacity:
        """Read a file written by :meth:`to_json`.

        Parameters
        ----------
        path : str or os.PathLike
            The JSON file.

        Returns
        -------
        Capacity

        Raises
        ------
        SchemaError
            For a file that is not a saved capacity.

        Examples
        --------
        >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
        >>> m = MaxQPS(1, 800.0, 780.0, 820.0, 0.001, 5000, {"p99": 0.005})
        >>> cap = Capacity(budget={"p99": 0.005}, workers=(1,), candidates={
        ...     "lone": CandidateCapacity("lone", {1: m})})
        >>> cap.to_json("capacity.json")
        >>> Capacity.from_json("capacity.json")["lone"][1].qps
        800.0
        """
        return cls.from_dict(load_json(path))


@dataclass(frozen=True, eq=False)
class LoadLatency(LatencyResult):
    """Latencies measured under load: a :class:`LatencyResult` with correlation-aware intervals.

    Under load a slow request delays the ones queued behind it, so the
    samples are not independent and the order-statistic interval of a
    plain :class:`LatencyResult` would be too narrow. :meth:`interval` here
    inverts batch means of the fraction of requests under the percentile,
    batches chosen from the autocorrelation (see
    :func:`prodbench.correlated.interval`); the samples are in
    scheduled-arrival order. Requests that never completed are *censored*:
    they are in ``samples_ns`` at a lower bound (the time from their arrival
    to the end of the run), their positions in ``censored``; a percentile
    they reach is only a lower bound (:meth:`lower_bound`) and its interval
    is open above.

    Parameters
    ----------
    batch_size : int
        Unused (kept so that saved files read back); the batches are chosen
        from the autocorrelation.
    censored : array of int, optional
        Positions (in ``samples_ns``) of the requests that never completed.

    Examples
    --------
    >>> import numpy as np
    >>> lat = LoadLatency(samples_ns=np.random.default_rng(0).integers(1000, 2000, 20_000))
    >>> low, high = lat.interval(50)
    >>> bool(low < lat.p50 < high)
    True
    >>> LoadLatency(samples_ns=[1000] * 50).interval_info(99).reason[:16]
    'too few requests'
    """

    batch_size: int = 0
    censored: np.ndarray | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        marks = np.array(() if self.censored is None else self.censored, dtype=np.int64)
        if marks.size and (marks.min() < 0 or marks.max() >= self.samples_ns.size):
            raise ValueError("censored positions must index samples_ns")
        marks = np.unique(marks)
        marks.setflags(write=False)
        object.__setattr__(self, "censored", marks)

    @property
    def n_censored(self) -> int:
        """Requests that never completed (in the samples at a lower bound)."""
        return int(self.censored.size) if self.censored is not None else 0

    def lower_bound(self, q: float) -> bool:
        """True when the ``q``-th percentile reaches a censored request: only a lower bound."""
        if not self.n_censored or not self.n:
            return False
        bound = float(np.min(self.samples_ns[self.censored]))
        rank = q / 100.0 * (self.n - 1)
        at = float(self.sorted_ns[min(self.n - 1, math.ceil(rank))])
        return bound <= at

    def interval_info(self, q: float, confidence: float = 0.95) -> Any:
        """The ``q``-th percentile's interval with its method, or why there is none.

        Returns
        -------
        prodbench.correlated.PercentileInterval
            In nanoseconds; ``reason`` says why there is no interval. When the
            percentile reaches a censored request the upper end is infinite.
        """
        import dataclasses

        from . import correlated

        info = correlated.interval(self.samples_ns, q, confidence) if self.n else None
        if info is None:
            return correlated.PercentileInterval(math.nan, math.nan, math.nan, "no requests")
        if self.lower_bound(q):
            low = info.low if info.ok else info.estimate
            return dataclasses.replace(info, low=min(low, info.estimate), high=math.inf, reason="")
        return info

    def interval(self, q: float, confidence: float = 0.95) -> tuple[float, float]:
        """The ``q``-th percentile's interval in seconds (NaN when too few requests)."""
        info = self.interval_info(q, confidence)
        return info.low / 1e9, info.high / 1e9

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile in seconds (linear interpolation; inside :meth:`interval`)."""
        if not self.n:
            return math.nan
        return stats.percentile(self.sorted_ns, q) / 1e9  # the sorted copy is kept

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict holding the raw samples."""
        censored = [] if self.censored is None else self.censored.tolist()
        return {**super().to_dict(), "batch_size": self.batch_size, "censored": censored}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoadLatency:
        """Inverse of :meth:`to_dict`; impossible samples are a :class:`SchemaError`."""
        own = ("batch_size", "censored")
        checked = LatencyResult.from_dict({k: v for k, v in data.items() if k not in own})
        fields = {k: getattr(checked, k) for k in LatencyResult.__dataclass_fields__}
        if "batch_size" in data:
            fields["batch_size"] = saved_count(data["batch_size"], "latency.batch_size")
        marks = data.get("censored") or []
        if not isinstance(marks, list) or any(
            isinstance(m, bool) or not isinstance(m, int) or not 0 <= m < checked.n for m in marks
        ):
            raise invalid("latency.censored", marks, "a list of sample positions")
        return cls(**fields, censored=np.array(marks, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class LoadTestResult:
    """What a real open-loop load test measured.

    Parameters
    ----------
    latency : LoadLatency
        One sample per completed request, in arrival order: from its
        *scheduled* arrival to its completion (queueing included, no
        coordinated omission); intervals by batch means.
    offered_qps : float
        The Poisson arrival rate asked for.
    requests : int
        Requests scheduled (a Poisson count: about ``offered_qps * duration_s``).
    duration_s : float
        Scheduled span of the arrivals.
    elapsed_s : float
        Wall time from the first scheduled arrival to the last completion,
        at least ``duration_s``.
    workers : int
        Worker processes serving the requests from one FIFO queue.
    startup_s : float
        Seconds spent starting the workers and loading the model, before the
        run clock started (not part of any latency).
    floor : LoadLatency or None
        The harness's own latency at the same rate and workers with a no-op
        model (None when not measured).
    dropped : int
        Requests that did not complete (a worker failed or the time bound hit).
    notes : tuple of str
        What the reader must know (could not keep up, requests dropped, ...).
    service_ns : array of int, optional
        Per completed request (arrival order), the model call as the worker
        timed it: the service time under load, to simulate with
        (:func:`prodbench.serving.simulate`) and compare. With batching, the
        call on the request's batch.
    rows : int
        Distinct test rows the requests cycled through.
    max_batch, max_wait_s : int, float
        The batching policy (1 and 0: one request per call).
    limits : dict, optional
        The percentile budget, e.g. ``{"p99": 0.005}``; :attr:`verdict` is
        decided against it.
    idle_p50_s : float, optional
        The one-row p50 of the same candidate measured idle (``compare``),
        to set the service time under load against.
    batch_sizes : array of int, optional
        With batching, per completed request the size of the batch it was
        served in.

    Examples
    --------
    >>> lat = LoadLatency(samples_ns=[1_000_000] * 1000)
    >>> lt = LoadTestResult(lat, offered_qps=100.0, requests=1000, duration_s=10.0, elapsed_s=10.0,
    ...                     workers=1, startup_s=0.5)
    >>> lt.achieved_qps, lt.kept_up
    (100.0, True)
    """

    latency: LoadLatency
    offered_qps: float
    requests: int
    duration_s: float
    elapsed_s: float
    workers: int
    startup_s: float
    floor: LoadLatency | None = None
    dropped: int = 0
    notes: tuple[str, ...] = ()
    service_ns: np.ndarray | None = None
    rows: int = 0
    max_batch: int = 1
    max_wait_s: float = 0.0
    limits: Mapping[str, float] | None = None
    idle_p50_s: float | None = None
    batch_sizes: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.batch_sizes is not None:
            sizes = np.array(self.batch_sizes, dtype=np.int64, copy=True)
            sizes.setflags(write=False)
            object.__setattr__(self, "batch_sizes", sizes)
        if self.limits is not None:
            object.__setattr__(self, "limits", {str(k): float(v) for k, v in self.limits.items()})
        if self.service_ns is not None:
            service = np.array(self.service_ns, dtype=np.int64, copy=True)
            service.setflags(write=False)
            object.__setattr__(self, "service_ns", service)

    @property
    def completed(self) -> int:
        """Requests that completed (the censored ones did not)."""
        return self.latency.n - self.latency.n_censored

    @property
    def service_p50_s(self) -> float:
        """Median model call under load, in seconds (NaN when not recorded)."""
        if self.service_ns is None or not self.service_ns.size:
            return math.nan
        return float(np.median(self.service_ns)) / 1e9

    @property
    def verdict(self) -> Any:
        """PASS, FAIL or UNDECIDED against :attr:`limits` (None without a budget)."""
        if not self.limits:
            return None
        from .loadverdict import load_verdict

        return load_verdict(self)

    @property
    def achieved_qps(self) -> float:
        """Completed requests per second of wall time."""
        return self.completed / self.elapsed_s if self.elapsed_s > 0 else math.nan

    @property
    def scheduled_qps(self) -> float:
        """Requests that arrived per second of the run (the offered rate, realised)."""
        return self.requests / self.duration_s

    @property
    def kept_up(self) -> bool:
        """False when the achieved rate is below 95% of the rate that arrived, or some dropped.

        Compared with the realised arrivals rather than the nominal rate, so
        that a short run's Poisson count does not read as falling behind.
        """
        return self.achieved_qps >= 0.95 * self.scheduled_qps and self.dropped == 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LoadTestResult):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict holding the measured samples, read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> from prodbench.serving_results import LoadLatency, LoadTestResult
        >>> lat = LoadLatency(samples_ns=[1_000_000] * 1000)
        >>> lt = LoadTestResult(lat, offered_qps=100.0, requests=1000, duration_s=10.0,
        ...                     elapsed_s=10.0, workers=1, startup_s=0.5)
        >>> lt.to_dict()["offered_qps"]
        100.0
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "LoadTestResult",
            "latency": self.latency.to_dict(),
            "offered_qps": self.offered_qps,
            "requests": self.requests,
            "duration_s": self.duration_s,
            "elapsed_s": self.elapsed_s,
            "workers": self.workers,
            "startup_s": self.startup_s,
            "floor": None if self.floor is None else self.floor.to_dict(),
            "dropped": self.dropped,
            "notes": list(self.notes),
            "service_ns": None if self.service_ns is None else self.service_ns.tolist(),
            "rows": self.rows,
            "max_batch": self.max_batch,
            "max_wait_s": self.max_wait_s,
            "limits": None if self.limits is None else dict(self.limits),
            "idle_p50_s": self.idle_p50_s,
            "batch_sizes": None if self.batch_sizes is None else self.batch_sizes.tolist(),
            "summary": _summary(self),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoadTestResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : Mapping
            What :meth:`to_dict` returned.

        Returns
        -------
        LoadTestResult

        Examples
        --------
        >>> from prodbench.serving_results import LoadLatency, LoadTestResult
        >>> lat = LoadLatency(samples_ns=[1_000_000] * 1000)
        >>> lt = LoadTestResult(lat, offered_qps=100.0, requests=1000, duration_s=10.0,
        ...                     elapsed_s=10.0, workers=1, startup_s=0.5)
        >>> LoadTestResult.from_dict(lt.to_dict()) == lt
        True
        """
        check_schema(data, "LoadTestResult")
        try:
            floor = data.get("floor")
            return cls(
                latency=LoadLatency.from_dict(data["latency"]),
                offered_qps=saved_float(data["offered_qps"], "offered_qps", positive=True),
                requests=saved_count(data["requests"], "requests"),
                duration_s=saved_float(data["duration_s"], "duration_s", positive=True),
                elapsed_s=_non_negative(data["elapsed_s"], "elapsed_s"),
                workers=saved_count(data["workers"], "workers", least=1),
                startup_s=_non_negative(data["startup_s"], "startup_s"),
                floor=None if floor is None else LoadLatency.from_dict(floor),
                dropped=saved_count(data.get("dropped", 0), "dropped"),
                notes=tuple(data.get("notes", ())),
                service_ns=data.get("service_ns"),
                rows=saved_count(data.get("rows", 0), "rows"),
                max_batch=saved_count(data.get("max_batch", 1), "max_batch", least=1),
                max_wait_s=_non_negative(data.get("max_wait_s", 0.0), "max_wait_s"),
                limits=_saved_limits(data.get("limits")),
                idle_p50_s=None
                if data.get("idle_p50_s") is None
                else saved_float(data["idle_p50_s"], "idle_p50_s", positive=True),
                batch_sizes=data.get("batch_sizes"),
            )
        except SchemaError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise SchemaError(
                f"The saved load test is incomplete or malformed ({type(exc).__name__}: {exc}). "
                "Run the load test again."
            ) from exc

    def __str__(self) -> str:
        from . import report

        return report.render(self, "table")

    def __repr__(self) -> str:
        return (
            f"LoadTestResult(offered_qps={self.offered_qps:g}, "
            f"achieved_qps={self.achieved_qps:.4g}, n={self.completed}, "
            f"p99={self.latency.p99 * 1e3:.3g}ms, workers={self.workers})"
        )


def _saved_limits(value: Any) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise invalid("limits", value, "a mapping of percentile limits")
    return {str(k): saved_float(v, f"limits.{k}", positive=True) for k, v in value.items()}


def _summary(lt: LoadTestResult) -> dict[str, Any]:
    from .loadverdict import load_summary

    return load_summary(lt)

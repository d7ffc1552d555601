"""The saved kinds in every format ``show`` offers: a load test, a capacity, one model's result.

A comparison and a sweep have had every format since they were saved; this
module adds what the others lacked, so that ``prodbench show`` renders
every file prodbench writes in ``table``, ``markdown``, ``json`` and
``csv``:

- a load test as Markdown (its text in a fenced block) and as CSV
  (one row of figures, units in the column names);
- a capacity as CSV (one row per candidate and worker count, with the target
  rate's workers and cost, and memory per worker when it was recorded);
- one model's result as Markdown (the same items as its text), JSON and CSV
  (one row).

CSV is written with the standard library's :mod:`csv` (no pandas), floats
in full precision, a missing figure empty.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .capacity import render_load_test
from .markdown import render_section as markdown_section
from .model import result_items
from .types import Section

if TYPE_CHECKING:
    from ..results import ModelResult
    from ..serving_results import Capacity, LoadTestResult

__all__ = ["RENDERERS"]


def _csv(header: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in header})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------- load test
def _load_test_record(lt: LoadTestResult) -> dict[str, Any]:
    lat = lt.latency
    rec: dict[str, Any] = {
        "offered_qps": lt.offered_qps,
        "achieved_qps": lt.achieved_qps,
        "kept_up": lt.kept_up,
        "requests": lt.requests,
        "completed": lt.completed,
        "dropped": lt.dropped,
        "workers": lt.workers,
        "duration_s": lt.duration_s,
        "startup_s": lt.startup_s,
        "n": lat.n,
    }
    if lat.n:
        low, high = lat.interval(99)
        rec.update(
            p50_s=lat.p50,
            p90_s=lat.p90,
            p99_s=lat.p99,
            p99_low_s=_finite(low),
            p99_high_s=_finite(high),
            max_s=lat.max,
        )
    if lt.floor is not None and lt.floor.n:
        rec.update(floor_p50_s=lt.floor.p50, floor_p99_s=lt.floor.p99)
    return rec


_LOAD_TEST_COLUMNS = (
    "offered_qps",
    "achieved_qps",
    "kept_up",
    "requests",
    "completed",
    "dropped",
    "workers",
    "duration_s",
    "startup_s",
    "n",
    "p50_s",
    "p90_s",
    "p99_s",
    "p99_low_s",
    "p99_high_s",
    "max_s",
    "floor_p50_s",
    "floor_p99_s",
)


def load_test_csv(lt: LoadTestResult, name: str = "") -> str:
    """A load test as one CSV row (seconds and requests per second).

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.serving_results import LoadLatency, LoadTestResult
    >>> lat = LoadLatency(samples_ns=np.full(3000, 1_000_000))
    >>> lt = LoadTestResult(lat, offered_qps=300.0, requests=3000, duration_s=10.0,
    ...                     elapsed_s=10.0, workers=1, startup_s=0.8)
    >>> load_test_csv(lt).splitlines()[0].split(",")[:3]
    ['offered_qps', 'achieved_qps', 'kept_up']
    """
    return _csv(_LOAD_TEST_COLUMNS, [_load_test_record(lt)])


def load_test_markdown(lt: LoadTestResult, name: str = "") -> str:
    """A load test as Markdown: its title in bold, its text lines as a fenced block.

    The lines are the text rendering's own (aligned figures and notes), so
    the two formats cannot drift apart.

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.serving_results import LoadLatency, LoadTestResult
    >>> lat = LoadLatency(samples_ns=np.full(3000, 1_000_000))
    >>> lt = LoadTestResult(lat, offered_qps=300.0, requests=3000, duration_s=10.0,
    ...                     elapsed_s=10.0, workers=1, startup_s=0.8)
    >>> load_test_markdown(lt, "lone").splitlines()[0]
    '**Load test of lone: 300 QPS offered (Poisson) for 10 s, 1 worker**'
    """
    lines = render_load_test(lt, name).rstrip("\n").splitlines()
    body = "\n".join(line[2:] if line.startswith("  ") else line for line in lines[1:])
    return f"**{lines[0]}**\n\n```text\n{body}\n```\n"


# --------------------------------------------------------------------------- capacity
_CAPACITY_COLUMNS = (
    "candidate",
    "workers",
    "max_qps",
    "max_qps_low",
    "max_qps_high",
    "utilization",
    "capped",
    "undersampled",
    "mean_service_s",
    "n_samples",
    "budget",
    "memory_per_worker_bytes",
    "memory_scope",
    "host_memory_bytes",
    "hosts",
    "target_qps",
    "target_workers",
    "target_p50_s",
    "target_p99_s",
    "target_cost_per_million",
)


def capacity_csv(cap: Capacity) -> str:
    """A capacity as CSV: one row per candidate and worker count.

    The target rate's columns repeat on each row of a candidate (empty
    without a target rate); memory and hosts are empty where not recorded.

    Examples
    --------
    >>> from prodbench.serving_results import Capacity, CandidateCapacity, MaxQPS
    >>> m = MaxQPS(1, 1234.0, 1100.0, 1300.0, 0.0005, 5000, {"p99": 0.005})
    >>> cap = Capacity({"p99": 0.005}, (1,), {"lone": CandidateCapacity("lone", {1: m})})
    >>> capacity_csv(cap).splitlines()[1].split(",")[:3]
    ['lone', '1', '1234.0']
    """
    budget = ",".join(f"{k}={v:g}s" for k, v in cap.budget.items())
    rows = []
    for name, cand in cap.candidates.items():
        memory = cap.memory.get(name)
        t = cand.target
        for workers, m in cand.max_qps.items():
            rows.append(
                {
                    "candidate": name,
                    "workers": workers,
                    "max_qps": m.qps,
                    "max_qps_low": m.qps_low,
                    "max_qps_high": m.qps_high,
                    "utilization": m.utilization,
                    "capped": m.capped,
                    "undersampled": m.undersampled,
                    "mean_service_s": m.mean_service_s,
                    "n_samples": m.n_samples,
                    "budget": budget,
                    "memory_per_worker_bytes": cap.memory_per_worker(name),
                    "memory_scope": None if memory is None else memory.scope,
                    "host_memory_bytes": cap.host_memory,
                    "hosts": cap.hosts_needed(name, workers),
                    "target_qps": cap.qps,
                    "target_workers": None if t is None else t.workers,
                    "target_p50_s": None if t is None else t.p50,
                    "target_p99_s": None if t is None else t.p99,
                    "target_cost_per_million": None if t is None else t.cost_per_million,
                }
            )
    return _csv(_CAPACITY_COLUMNS, rows)


# --------------------------------------------------------------------------- one result
def result_markdown(result: ModelResult) -> str:
    """One model's result as Markdown: the items of its text as a table.

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> from factories import make_result
    >>> result_markdown(make_result("lone")).splitlines()[0]
    '**lone (fake.lone)**'
    """
    section = Section(
        "result",
        f"{result.name} ({result.estimator})",
        headers=("figure", "value"),
        rows=tuple((label, text) for label, text, _ in result_items(result)),
    )
    return "\n".join(markdown_section(section)).strip("\n") + "\n"


def result_json(result: ModelResult) -> str:
    """One model's result as its JSON document (:meth:`~prodbench.ModelResult.to_dict`).

    Examples
    --------
    >>> import sys, json; sys.path.insert(0, "tests")
    >>> from factories import make_result
    >>> json.loads(result_json(make_result("lone")))["kind"]
    'ModelResult'
    """
    return json.dumps(result.to_dict(), allow_nan=True)


_RESULT_COLUMNS = (
    "candidate",
    "estimator",
    "task",
    "score_name",
    "score",
    "n_samples",
    "p50_s",
    "p50_low_s",
    "p50_high_s",
    "p90_s",
    "p99_s",
    "p99_low_s",
    "p99_high_s",
    "p99_undersampled",
    "cold_start_s",
    "fit_time_s",
    "bulk_rows_per_s",
    "size_bytes",
    "rss_bytes",
    "uss_bytes",
    "peak_rss_bytes",
    "memory_scope",
)


def result_csv(result: ModelResult) -> str:
    """One model's result as one CSV row (the columns of a comparison's CSV that apply).

    Examples
    --------
    >>> import sys; sys.path.insert(0, "tests")
    >>> from factories import make_result
    >>> result_csv(make_result("lone")).splitlines()[1].split(",")[0]
    'lone'
    """
    r, lat, mem = result, result.latency, result.memory
    rec: dict[str, Any] = {
        "candidate": r.name,
        "estimator": r.estimator,
        "task": r.task,
        "score_name": r.score.name,
        "score": r.score.value,
        "n_samples": lat.n,
        "cold_start_s": lat.cold_start,
        "fit_time_s": None if r.training is None else r.training.fit_time,
        "bulk_rows_per_s": r.throughput.largest.rows_per_second if r.throughput.batches else None,
        "size_bytes": None if r.footprint is None else r.footprint.size_bytes,
        "rss_bytes": None if mem is None else mem.rss_bytes,
        "uss_bytes": None if mem is None else mem.uss_bytes,
        "peak_rss_bytes": None if mem is None else mem.peak_rss_bytes,
        "memory_scope": None if mem is None else mem.scope,
    }
    if lat.n:
        p50_low, p50_high = lat.interval(50)
        p99_low, p99_high = lat.interval(99)
        rec.update(
            p50_s=lat.p50,
            p50_low_s=p50_low,
            p50_high_s=_finite(p50_high),
            p90_s=lat.p90,
            p99_s=lat.p99,
            p99_low_s=p99_low,
            p99_high_s=_finite(p99_high),
            p99_undersampled=lat.undersampled(99),
        )
    return _csv(_RESULT_COLUMNS, [rec])


#: (kind, format) -> renderer, for the formats these kinds lacked.
RENDERERS: Mapping[tuple[str, str], Callable[..., str]] = MappingProxyType(
    {
        ("LoadTestResult", "markdown"): load_test_markdown,
        ("LoadTestResult", "csv"): load_test_csv,
        ("Capacity", "csv"): capacity_csv,
        ("ModelResult", "markdown"): result_markdown,
        ("ModelResult", "json"): result_json,
        ("ModelResult", "csv"): result_csv,
    }
)

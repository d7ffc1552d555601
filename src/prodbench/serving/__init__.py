"""Serving under load: queueing simulation, max QPS within a budget, workers and cost.

Everything here except :func:`load_test` works from service times already
measured (the one-row latency samples of a result): nothing is timed again.

The model of a serving deployment is a FIFO queue in front of ``workers``
identical servers (processes pulling from one socket, or a load balancer
with a queue). Requests arrive as a Poisson process at ``qps``; each takes a
service time drawn with replacement from the measured samples. The
*sojourn* time of a request (wait in the queue plus service) is what its
caller sees as latency.

The simulation starts with an empty queue, which makes the first requests
faster than in steady state; a warm-up prefix of requests is simulated and
discarded (by default a tenth of ``requests``, at least 1,000).

Examples
--------
>>> import numpy as np
>>> from prodbench import serving
>>> service = np.full(1000, 0.001)            # every request takes 1 ms
>>> lat = serving.simulate(service, qps=500.0, requests=10_000, random_state=0)
>>> round(float(lat.min()), 9), lat.size          # never faster than the service
(0.001, 10000)

The package has three parts: :mod:`.simulation` (the queue and the input
checks), :mod:`.capacity` (max QPS, workers, cost, the load curve) and
:mod:`.loadtest` (the real open-loop load test on worker processes), with
helpers: :mod:`.arrivals` (Poisson, gamma and replayed arrivals;
:func:`arrival_offsets` draws them as an array), :mod:`.batching` and
:mod:`.batched` (the micro-batching server and its policy search),
:mod:`.lanes` and :mod:`.workers` (the capacity simulation's replicates
and the worker-count search). Every
name is importable from ``prodbench.serving`` as before the split, and the
capacity defaults :data:`CAPACITY_REPLICATES` and :data:`CAPACITY_REQUESTS`
are settings: assigning them here (``serving.CAPACITY_REPLICATES = 8``) sets
them where :mod:`.capacity` reads them, so every default capacity uses them.
"""

# A facade: every name of the package is re-exported from here, the private ones for the
# tests and the command line, and for objects pickled by reference before the split
# (``_serve_request``, ``_serve_setup``, ``_NoOpModel``); __all__ stays the public list.
# ruff: noqa: F401

from __future__ import annotations

import sys
import types

from ..budget import percentile_limits
from ..stats import batch_means_interval
from .arrivals import arrival_offsets
from .capacity import (
    _FIRST_PASS,
    _GRID,
    _PASSES,
    CAPACITY_REPLICATES,
    CAPACITY_REQUESTS,
    MAX_WORKERS,
    TARGET_REQUESTS,
    _as_worker_tuple,
    _capacities,
    _check_replicates,
    _max_qps_table,
    _search,
    _workers_for,
    candidate_capacity,
    capacities,
    comparison_capacity,
    load_curve,
    max_qps,
    result_capacity,
    trusted_utilization,
    workers_needed,
)
from .lanes import (
    _MAX_ROWS,
    _budget_ratio,
    _interval,
    _Lanes,
    _make_lanes,
    _row_percentiles,
    _undersampled,
)
from .loadtest import (
    LOAD_MAX_REQUESTS,
    LOAD_ROWS,
    _arrivals,
    _check_duration,
    _NoOpModel,
    _serve_request,
    _serve_setup,
    load_test,
    load_test_candidate,
    usable_cores,
)
from .simulation import (
    RandomState,
    _check_qps,
    _check_requests,
    _check_workers,
    _service_seconds,
    _sojourn_heap,
    _sojourn_one,
    simulate,
)

__all__ = [
    "CAPACITY_REPLICATES",
    "CAPACITY_REQUESTS",
    "arrival_offsets",
    "batch_means_interval",
    "candidate_capacity",
    "capacities",
    "comparison_capacity",
    "load_curve",
    "load_test",
    "load_test_candidate",
    "max_qps",
    "simulate",
    "trusted_utilization",
    "workers_needed",
]


_SETTINGS = ("CAPACITY_REPLICATES", "CAPACITY_REQUESTS")


class _Package(types.ModuleType):
    """The package module, forwarding its settings to the module that reads them.

    ``serving.CAPACITY_REPLICATES = 8`` (and pytest's ``monkeypatch.setattr``,
    which also restores through assignment) sets the value in
    :mod:`.capacity` too, so capacity never needs to import the package back.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _SETTINGS:
            from . import capacity as _capacity_module

            setattr(_capacity_module, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

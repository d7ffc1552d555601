"""Suite-wide guards: native thread variables a test changes are put back for the next.

With two test files at a time (pytest-xdist), a worker process runs files in
an order no one chose. A test that leaves ``OMP_NUM_THREADS`` and friends in
``os.environ`` (a Dask nanny sets them in its own process before it spawns a
worker: a test's local cluster does) pins every subprocess that later tests
start (isolated candidates, the CLI) to one thread, and those tests then fail
far from the cause. The guard puts the session's values back after each test
and warns, naming the test that changed them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_SESSION = {name: os.environ.get(name) for name in _THREAD_VARS}


@pytest.fixture(autouse=True)
def _thread_variables_restored(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    changed = {n: os.environ.get(n) for n in _THREAD_VARS if os.environ.get(n) != _SESSION[n]}
    if changed:
        for name, value in _SESSION.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        warnings.warn(
            f"{request.node.nodeid} left {changed} in os.environ (a fixture's Dask nanny?); "
            "put back for the next tests",
            stacklevel=1,
        )

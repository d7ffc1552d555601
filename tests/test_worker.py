"""The worker process: calls, state, errors, crashes, timeouts, output and clean-up."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from prodbench.worker import CallTimeout, RemoteError, Worker, WorkerCrashed, WorkerError


class Point:
    """A class defined in a test module: it must travel to the worker."""

    def __init__(self, x: float) -> None:
        self.x = x

    def norm(self) -> float:
        return abs(self.x)


def store(state, key, value):
    state[key] = value
    return sorted(state)


def fetch(state, key):
    return state[key]


def boom(state, message):
    raise ValueError(message)


def leave(state, code):
    raise SystemExit(code)


def hard_exit(state):
    os._exit(7)


def segfault(state):
    import ctypes

    ctypes.string_at(0)


def hang(state):
    while True:
        pass


def chatter(state, text):
    print(text)
    sys.stdout.flush()
    os.write(1, (text + " (fd 1)\n").encode())
    return "done"


def unpicklable_result(state):
    import threading

    return threading.Lock()


def norm_of(state, point):
    return point.norm()


@pytest.fixture
def worker():
    w = Worker(name="test").start()
    yield w
    w.close()


def test_call_keeps_state_and_ships_module_classes(worker):
    assert worker.startup_s > 0 and worker.alive
    assert worker.call(store, "model", np.arange(3)) == ["model"]
    assert worker.call(store, "other", 1, timeout=10) == ["model", "other"]
    assert np.array_equal(worker.call(fetch, "model"), np.arange(3))
    assert worker.call(norm_of, Point(-2.5)) == 2.5
    assert worker.call(lambda state, a, b=0: a + b, 2, b=3) == 5


def test_remote_exceptions_come_back_and_the_worker_goes_on(worker):
    with pytest.raises(RemoteError) as info:
        worker.call(boom, "kaboom")
    err = info.value
    assert err.type_name == "builtins.ValueError" and err.short_type == "ValueError"
    assert err.remote_message == "kaboom"
    assert "boom" in err.remote_traceback and "ValueError: kaboom" in err.remote_traceback
    assert isinstance(err.exception, ValueError)
    with pytest.raises(RemoteError) as info:
        worker.call(leave, 0)
    assert info.value.short_type == "SystemExit"
    assert worker.call(lambda state: "still here") == "still here"


def test_unpicklable_arguments_and_results(worker):
    import threading

    with pytest.raises(WorkerError, match="pickling failed"):
        worker.call(fetch, threading.Lock())
    with pytest.raises(RemoteError, match="could not be pickled"):
        worker.call(unpicklable_result)
    assert worker.call(lambda state: 1) == 1


@pytest.mark.parametrize(
    ("fn", "reason"),
    [(hard_exit, "exit code 7"), (segfault, "signal SIGSEGV")],
    ids=["os_exit", "segfault"],
)
def test_crashes_are_reported_with_the_exit_status(fn, reason):
    w = Worker(name="crashy").start()
    with pytest.raises(WorkerCrashed) as info:
        w.call(fn, timeout=30)
    assert info.value.reason == reason
    assert reason in str(info.value)
    assert not w.alive
    w.close()  # safe after a crash


def test_timeout_kills_the_worker_quickly():
    w = Worker(name="hung").start()
    t0 = time.perf_counter()
    with pytest.raises(CallTimeout) as info:
        w.call(hang, timeout=0.5)
    assert time.perf_counter() - t0 < 5
    assert info.value.timeout == 0.5
    assert not w.alive
    with pytest.raises(WorkerError, match="closed"):
        w.call(fetch, "x")


def test_prints_go_to_stderr_never_stdout(capfd):
    with Worker() as w:
        assert w.call(chatter, "hello from the model") == "done"
    out, err = capfd.readouterr()
    assert "hello from the model" not in out
    assert "hello from the model" in err and "(fd 1)" in err


def test_submit_poll_fileno_result():
    import selectors

    workers = [Worker(name=f"w{i}").start() for i in range(2)]
    try:
        for i, w in enumerate(workers):
            w.submit(lambda state, x: x * 10, i)
        sel = selectors.DefaultSelector()
        for w in workers:
            sel.register(w.fileno(), selectors.EVENT_READ, w)
        done = {}
        deadline = time.monotonic() + 30
        while len(done) < 2 and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                w = key.data
                if w.name not in done and w.poll(0):
                    done[w.name] = w.result()
        assert done == {"w0": 0, "w1": 10}
        with pytest.raises(WorkerError, match="no call in flight"):
            workers[0].result()
        workers[0].submit(hang)
        assert not workers[0].poll(0.05)
        with pytest.raises(WorkerError, match="still running"):
            workers[0].submit(fetch, "x")
        with pytest.raises(CallTimeout):
            workers[0].result(timeout=0.1)
    finally:
        for w in workers:
            w.close()


def test_pipelined_submits_run_in_order_and_drain_without_select(worker):
    # The load test queues a request behind the one running; replies come back
    # in order, and several may arrive in one read (poll(0) finds the rest).
    for i in range(5):
        worker.submit(
            lambda state, x: (state.setdefault("seen", []).append(x), x)[1], i, pipeline=True
        )
    assert worker.in_flight == 5 and worker.busy
    assert worker.result(timeout=30) == 0
    got = [0]
    while worker.in_flight:
        assert worker.poll(30)
        got.append(worker.result())
    assert got == [0, 1, 2, 3, 4] and not worker.busy
    assert worker.call(fetch, "seen") == [0, 1, 2, 3, 4]
    worker.submit(fetch, "seen", pipeline=True)
    with pytest.raises(WorkerError, match="still running"):
        worker.submit(fetch, "seen")  # without pipeline=True: one call at a time
    assert worker.result(timeout=30) == [0, 1, 2, 3, 4]


def test_class_defined_in_a_script_travels(tmp_path):
    """A class from __main__ (a script, a notebook) travels by value."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            from prodbench.worker import Worker

            class Doubler:
                def __init__(self, k):
                    self.k = k
                def predict(self, x):
                    return [self.k * v for v in x]

            def run(state, model, x):
                state["model"] = model
                return state["model"].predict(x)

            with Worker() as w:
                print(w.call(run, Doubler(3), [1, 2]))
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[3, 6]"


def test_workers_are_reaped_when_the_parent_exits(tmp_path):
    """A parent that exits (even by os._exit) leaves no worker running."""
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, sys
            from prodbench.worker import Worker

            def hang(state):
                while True:
                    pass

            w = Worker().start()
            print(w.pid, flush=True)
            w.submit(hang)
            os._exit(0) if sys.argv[1] == "hard" else sys.exit(0)
            """
        )
    )
    for how in ("normal", "hard"):
        proc = subprocess.run(
            [sys.executable, str(script), how], capture_output=True, text=True, timeout=120
        )
        pid = int(proc.stdout.split()[0])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _running(pid):
            time.sleep(0.05)
        assert not _running(pid), f"worker {pid} survived a {how} exit of its parent"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False

"""How a candidate's failures are bounded and worded.

The in-process watchdog (``call_timeout``), the interrupt policy (Ctrl-C is
the user's, never the candidate's), and every message a failed candidate
carries: in-process (:func:`candidate_failure`, :func:`predict_failure`) and
from its worker process (:func:`isolated_failure`, worded by
:func:`prodbench.worker.failure_message`). The other candidates go on.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import ModelError, ModelFailedError, ProdbenchError
from ..worker import RemoteError, failure_message
from .options import _Options


class _CallTimeout(BaseException):
    """Raised in the main thread by the in-process watchdog (see :func:`_watchdog`)."""


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with :class:`_CallTimeout`, where possible.

    In-process, a hung call can only be interrupted between Python bytecodes:
    a ``SIGALRM`` timer raises in the main thread. Native code that never
    returns to the interpreter, code running outside the main thread, or a
    process whose ``SIGALRM`` already has a handler (pytest-timeout, say) get
    no watchdog; only ``isolate=True`` bounds those.
    """
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and math.isfinite(seconds)
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _CallTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    backup = _TakenOverAlarm(on_alarm, max(seconds, 1e-3) + _TAKEOVER_GRACE_S)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        backup.cancel()
        signal.signal(signal.SIGALRM, previous)


_TAKEOVER_GRACE_S = 0.5  # after the alarm was due, the backup thread steps in


class _TakenOverAlarm:
    """The watchdog's backup for a model that replaces the ``SIGALRM`` handler mid-call.

    A daemon thread wakes when the alarm was due (plus a grace). If the block
    is still running and the handler is no longer the watchdog's, it raises
    :class:`_CallTimeout` in the main thread asynchronously (checked between
    bytecodes) and sends ``SIGALRM`` again, every 0.2 s, so that a sleep the
    model's handler interrupts resumes into the exception. Native code that
    never returns to the interpreter stays out of reach (``isolate=True``).
    """

    def __init__(self, ours: Any, after: float) -> None:
        self.ours = ours
        self.main = threading.main_thread().ident
        self.lock = threading.Lock()
        self.active = True
        self.fired = False
        self.done = threading.Event()
        self.thread = threading.Thread(
            target=self._watch, args=(after,), name="prodbench watchdog", daemon=True
        )
        self.thread.start()

    def _watch(self, after: float) -> None:
        if self.done.wait(after):
            return
        while not self.done.is_set():
            with self.lock:
                if not self.active:
                    return
                if signal.getsignal(signal.SIGALRM) is not self.ours and self.main is not None:
                    _raise_in(self.main, _CallTimeout)
                    self.fired = True
                    signal.pthread_kill(self.main, signal.SIGALRM)
            self.done.wait(0.2)

    def cancel(self) -> None:
        """The block ended: stop the thread, and drop an exception it set too late."""
        with self.lock:
            self.active = False
            if self.fired and self.main is not None:
                _raise_in(self.main, None)
        self.done.set()


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Set (or, with None, clear) an asynchronous exception in thread ``thread_id``."""
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )


class _Interrupts:
    """Whether a real ``SIGINT`` arrived while candidates run in this process.

    Set by the handler :func:`real_interrupts` installs: a ``KeyboardInterrupt``
    that a model raises itself, with no signal behind it, is that model's
    failure, not the user's Ctrl-C.
    """

    def __init__(self) -> None:
        self.active = 0
        self.seen = False


_INTERRUPTS = _Interrupts()


@contextmanager
def real_interrupts() -> Iterator[None]:
    """While the block runs, remember whether ``SIGINT`` (Ctrl-C) really arrived.

    The handler sets the flag and then does what the previous one did (by
    default: raise ``KeyboardInterrupt``). Outside the main thread, or when
    ``SIGINT`` is ignored, nothing is installed and every ``KeyboardInterrupt``
    counts as the user's.
    """
    previous = signal.getsignal(signal.SIGINT)
    usable = threading.current_thread() is threading.main_thread() and previous not in (
        signal.SIG_IGN,
        None,
    )
    if not usable:
        yield
        return

    def on_sigint(signum: int, frame: Any) -> None:
        _INTERRUPTS.seen = True
        if callable(previous):
            previous(signum, frame)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    if _INTERRUPTS.active == 0:
        _INTERRUPTS.seen = False
    _INTERRUPTS.active += 1
    try:
        yield
    finally:
        _INTERRUPTS.active -= 1
        signal.signal(signal.SIGINT, previous)
        if _INTERRUPTS.active == 0:
            _INTERRUPTS.seen = False


def _reraise_interrupt(exc: BaseException) -> None:
    """Ctrl-C is the user's, never the candidate's: let it through.

    Under :func:`real_interrupts`, a ``KeyboardInterrupt`` with no ``SIGINT``
    behind it was raised by model code: it is not let through, and becomes
    that candidate's failure.
    """
    if isinstance(exc, KeyboardInterrupt) and (_INTERRUPTS.active == 0 or _INTERRUPTS.seen):
        raise exc


def _who(name: str, model_type: str) -> str:
    return f"Candidate {name!r} ({model_type})"


def candidate_failure(
    name: str, model: Any, options: _Options, phase: str, exc: BaseException
) -> ProdbenchError:
    """What an in-process candidate's step raised, as its failure (Ctrl-C goes through)."""
    _reraise_interrupt(exc)
    what = {"fit": "fit()", "score": "predict() on the test rows"}.get(phase, f"{options.method}()")
    who = _who(name, type(model).__name__)
    if isinstance(exc, _CallTimeout):
        return ModelFailedError(
            f"{who} timeout: a call to {what} in the {phase} phase took longer than "
            f"call_timeout={options.call_timeout:g} s and was interrupted. Raise "
            "call_timeout if such calls are expected; use isolate=True to bound calls "
            "that native code keeps from being interrupted.",
            candidate=name,
            phase=phase,
        )
    if isinstance(exc, SystemExit):
        return ModelFailedError(
            f"{who} tried to exit the process (SystemExit({exc.code!r})) in {what} "
            f"during the {phase} phase. A model must not call sys.exit(); fix the model.",
            candidate=name,
            phase=phase,
        )
    return ModelFailedError(
        f"{who} raised {type(exc).__name__} in {what} during the {phase} phase: {exc}. "
        "Fix the model or its data; the original error is chained below.",
        candidate=name,
        phase=phase,
    )


def predict_failure(
    name: str, model: Any, options: _Options, fit: bool, phase: str, exc: BaseException
) -> ProdbenchError:
    """A predict that raised: "not fitted" for a pre-fitted model that is not, else a failure."""
    from sklearn.exceptions import NotFittedError

    _reraise_interrupt(exc)
    if isinstance(exc, NotFittedError) or (not fit and isinstance(exc, AttributeError)):
        return ModelError(
            f"{_who(name, type(model).__name__)} is not fitted, but "
            "fit=False was given. Fit it first, or drop fit=False so prodbench fits it."
        )
    return candidate_failure(name, model, options, phase, exc)


def reload_failure(name: str, model: Any, exc: BaseException) -> ProdbenchError:
    """A model whose saved form (joblib) cannot be loaded back: it cannot be deployed."""
    return ModelFailedError(
        f"{_who(name, type(model).__name__)} cannot be loaded back "
        f"from its saved form: joblib.load raised {type(exc).__name__}: {exc} (in "
        "__setstate__ or a custom unpickler, say). A model that cannot be reloaded "
        "cannot be deployed; fix its pickling.",
        candidate=name,
        phase="footprint",
    )


def isolated_failure(
    name: str, model_type: str, options: _Options, phase: str, exc: BaseException
) -> ProdbenchError:
    """What a call into a candidate's worker raised, as the candidate's failure.

    A prodbench error raised in the worker is the failure itself (its chained
    original's type and message travel, and come back as a stand-in).
    """
    if isinstance(exc, RemoteError) and isinstance(exc.exception, ProdbenchError):
        err = exc.exception
        cause_type = getattr(err, "cause_type", None)
        if cause_type:
            err.__cause__ = _standin(cause_type, getattr(err, "cause_message", ""))
        return err
    message = failure_message(
        exc,
        who=_who(name, model_type),
        phase=phase,
        timeout=options.call_timeout,
        option="call_timeout",
        flag="--call-timeout",
        fallback="measure it with isolate=False (--no-isolate)",
        others="candidates",
    )
    return ModelFailedError(message, candidate=name, phase=phase)


def _standin(type_name: str, message: str) -> BaseException:
    """An exception named like a remote one, to chain where the original cannot travel."""
    cls = type(type_name or "RemoteError", (Exception,), {"__module__": "prodbench.worker"})
    return cls(message)


def _as_cause(exc: BaseException) -> BaseException:
    """What to chain under a candidate's failure: the remote exception's type if any."""
    if isinstance(exc, RemoteError):
        return _standin(exc.short_type, exc.remote_message)
    return exc

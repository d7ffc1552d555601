"""Every candidate failure is worded in one place: in-process and from a worker."""

from __future__ import annotations

import pytest

from prodbench.engine.failures import (
    _CallTimeout,
    _standin,
    candidate_failure,
    isolated_failure,
    predict_failure,
)
from prodbench.engine.options import _Options
from prodbench.errors import DataError, ModelError, ModelFailedError
from prodbench.worker import CallTimeout, RemoteError, WorkerCrashed, failure_message

OPTIONS = _Options.from_kwargs(
    {
        "method": "predict",
        "request_format": "auto",
        "threads": "serving",
        "gc": "enabled",
        "max_time": 1.0,
        "precision": 0.05,
        "min_fits": 1,
        "max_fit_time": 5.0,
        "batch_sizes": (1,),
        "scoring": None,
        "random_state": 0,
        "call_timeout": 7.0,
        "isolate": True,
        "calibrate": True,
    }
)
WHO = "Candidate 'a' (Ridge)"


class Ridge:
    """Named like the model in the messages."""


def _remote(exception: BaseException | None = None) -> RemoteError:
    return RemoteError(
        "remote",
        type_name="builtins.ValueError",
        remote_message="bad row",
        remote_traceback="Traceback ...",
        exception=exception,
    )


def _isolated(phase: str, exc: BaseException) -> str:
    err = isolated_failure("a", "Ridge", OPTIONS, phase, exc)
    assert isinstance(err, ModelFailedError)
    assert (err.candidate, err.phase) == ("a", phase)
    return str(err)


def test_a_worker_failure_keeps_its_wording() -> None:
    assert _isolated("setup", _remote()) == (
        f"{WHO} could not be loaded in its worker process: unpickling raised ValueError: "
        "bad row (in __setstate__ or a custom unpickler, say). A model that cannot be "
        "unpickled cannot be deployed; fix its pickling, or measure it with isolate=False "
        "(--no-isolate)."
    )
    assert _isolated("fit", _remote()) == (
        f"{WHO} raised ValueError in the fit phase: bad row. Fix the model or its data. "
        "Remote traceback:\nTraceback ..."
    )
    assert _isolated("latency", CallTimeout("slow", timeout=12.0)) == (
        f"{WHO} timeout: a call in the latency phase took longer than call_timeout=7 s "
        "beyond the phase's own time; its worker was killed. Raise call_timeout "
        "(--call-timeout) if such calls are expected."
    )
    assert _isolated("score", WorkerCrashed("gone", returncode=3)) == (
        f"{WHO} crashed its worker process in the score phase (exit code 3): a segfault in "
        "native code, os._exit() or a kill. The other candidates were not affected; its "
        "stderr (above) may say more."
    )
    assert _isolated("setup", TypeError("cannot pickle 'generator' object")) == (
        f"{WHO} could not be sent to its worker process: cannot pickle 'generator' object. "
        "Make it picklable (cloudpickle), or measure it with isolate=False (--no-isolate)."
    )
    assert _isolated("fit", OSError("broken pipe")) == (
        f"{WHO} failed in its worker process in the fit phase: broken pipe."
    )


def test_a_prodbench_error_from_the_worker_is_the_failure_itself() -> None:
    original = DataError("bad data")
    original.cause_type = "KeyError"  # type: ignore[attr-defined]
    original.cause_message = "'x'"  # type: ignore[attr-defined]
    err = isolated_failure("a", "Ridge", OPTIONS, "fit", _remote(original))
    assert err is original
    assert type(err.__cause__).__name__ == "KeyError"
    assert str(err.__cause__) == "'x'"


def test_failure_message_without_the_engine_words() -> None:
    crash = WorkerCrashed("gone", returncode=-9)
    assert failure_message(crash, who="The model", phase="load-test").endswith(
        "or a kill. Its stderr (above) may say more."
    )
    assert failure_message(_remote(), who="The model", phase="setup").endswith("fix its pickling.")
    timeout = CallTimeout("slow", timeout=2.5)
    assert "longer than timeout=2.5 s" in failure_message(timeout, who="It", phase="x")


def test_an_in_process_failure_keeps_its_wording() -> None:
    model = Ridge()
    err = candidate_failure("a", model, OPTIONS, "fit", ValueError("nan in X"))
    assert str(err) == (
        f"{WHO} raised ValueError in fit() during the fit phase: nan in X. Fix the model or "
        "its data; the original error is chained below."
    )
    err = candidate_failure("a", model, OPTIONS, "latency", _CallTimeout())
    assert str(err).startswith(
        f"{WHO} timeout: a call to predict() in the latency phase took longer than "
        "call_timeout=7 s and was interrupted."
    )
    err = candidate_failure("a", model, OPTIONS, "score", SystemExit(2))
    assert str(err).startswith(f"{WHO} tried to exit the process (SystemExit(2)) in predict()")
    with pytest.raises(KeyboardInterrupt):
        candidate_failure("a", model, OPTIONS, "fit", KeyboardInterrupt())


def test_a_prefitted_model_that_is_not_fitted_is_told_so() -> None:
    err = predict_failure("a", Ridge(), OPTIONS, False, "latency", AttributeError("coef_"))
    assert isinstance(err, ModelError) and not isinstance(err, ModelFailedError)
    assert "is not fitted, but fit=False was given" in str(err)
    err = predict_failure("a", Ridge(), OPTIONS, True, "latency", AttributeError("coef_"))
    assert isinstance(err, ModelFailedError)


def test_a_standin_is_named_like_the_remote_exception() -> None:
    standin = _standin("ZeroDivisionError", "division by zero")
    assert type(standin).__name__ == "ZeroDivisionError"
    assert type(standin).__module__ == "prodbench.worker"

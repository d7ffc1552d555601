"""Run functions in a worker process: isolation of one candidate, load-test workers.

A :class:`Worker` is a child Python process started with
``subprocess.Popen([sys.executable, "-P", "-c", _BOOTSTRAP, ...])``: a fresh
interpreter that never puts the working directory on ``sys.path`` (a
``struct.py`` or ``select.py`` where prodbench runs is not imported; it gets
the parent's ``sys.path`` once started), in its own session (process group),
so that killing it kills whatever a model forked too. It is a fresh
interpreter (exec'd, never a bare fork, so it is safe after OpenMP has started
and inside daemonic processes such as Dask workers, where ``multiprocessing``
may not start children). The parent ships functions and arguments to it over
two dedicated pipes, as length-prefixed cloudpickle frames, so that classes and
functions defined in a notebook, a script or a test module travel; it gets the
return value back the same way.

The child's standard output (fd 1) is redirected to its standard error (fd 2):
whatever a model prints ends up on stderr, never in ``--format json`` on the
parent's stdout. Under :func:`output_to`, the child's stderr is the file
descriptor the given function returns for the worker's name instead of the
parent's stderr (the command line keeps each candidate's output in a log).

What can go wrong, and what the parent sees:

* the function raises (``SystemExit`` included): :class:`RemoteError`, with
  the remote type name, message and traceback text, and the original exception
  when it could be pickled (``.exception``); the worker goes on;
* the call takes longer than ``timeout``: the worker is killed and
  :class:`CallTimeout` is raised;
* the worker dies (``os._exit``, a segfault, killed): :class:`WorkerCrashed`
  with the exit code or signal;
* the arguments or the result cannot be pickled: :class:`RemoteError` (on the
  child's side) or :class:`WorkerError` (on the parent's side).

Workers are always reaped, with their process group: :meth:`Worker.close` in
``finally`` (or the context manager), an ``atexit`` hook for any left running,
and on Linux the child dies with its parent (``PR_SET_PDEATHSIG``). The child
ignores ``SIGINT``: Ctrl-C interrupts the parent, whose clean-up kills the
workers.

Examples
--------
>>> from prodbench.worker import Worker
>>> def remember(state, key, value):
...     state[key] = value
...     return len(state)
>>> def recall(state, key):
...     return state[key]
>>> with Worker() as w:                      # doctest: +SKIP
...     w.call(remember, "model", [1, 2, 3])
...     w.call(recall, "model", timeout=5)
1
[1, 2, 3]
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import signal
import struct
import subprocess
import sys
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from .errors import ProdbenchError

__all__ = [
    "CallTimeout",
    "RemoteError",
    "Worker",
    "WorkerCrashed",
    "WorkerError",
    "failure_message",
    "output_to",
]

_HEADER = struct.Struct("!Q")
_CHUNK = 1 << 20
_LIVE: weakref.WeakSet[Worker] = weakref.WeakSet()  # for the atexit clean-up only
_OUTPUT: ContextVar[Callable[[str], int] | None] = ContextVar(
    "prodbench_worker_output", default=None
)  # where workers' stdout and stderr go (output_to), context-local


@contextlib.contextmanager
def output_to(fd_for: Callable[[str], int]) -> Iterator[None]:
    """Send the stdout and stderr of workers started in the block to ``fd_for(name)``.

    Context-local. ``fd_for`` gets the worker's name and returns an open file
    descriptor the parent keeps (the child writes to a duplicate of it).

    Parameters
    ----------
    fd_for : callable
        Worker name -> file descriptor.

    Examples
    --------
    >>> import os, tempfile
    >>> log = tempfile.TemporaryFile()
    >>> with output_to(lambda name: log.fileno()):
    ...     with Worker("talker") as w:
    ...         w.call(lambda state: print("hello from the worker"))
    >>> _ = log.seek(0); log.read()
    b'hello from the worker\\n'
    """
    token = _OUTPUT.set(fd_for)
    try:
        yield
    finally:
        _OUTPUT.reset(token)


# The child's entry point. ``-c`` (not ``-m``) with ``-P`` on Python >= 3.11, and the
# empty entry (the working directory) dropped for 3.10, so that nothing in the working
# directory is imported before the parent's ``sys.path`` arrives (see ``_child_main``).
_BOOTSTRAP = (
    "import sys; sys.path[:] = [p for p in sys.path if p]; "
    "from prodbench.worker import _child_main; raise SystemExit(_child_main(sys.argv[1:]))"
)


def _worker_command(*args: str) -> list[str]:
    """The command line that starts a worker (``-P``: no working directory on the path)."""
    isolate_path = ["-P"] if sys.version_info >= (3, 11) else []
    return [sys.executable, *isolate_path, "-c", _BOOTSTRAP, *args]


class WorkerError(ProdbenchError, RuntimeError):
    """Something went wrong in or with a worker process (base of the errors below)."""

    exit_code = 3


class CallTimeout(WorkerError):
    """A call took longer than its timeout; the worker was killed.

    Attributes
    ----------
    timeout : float
        The timeout that expired, in seconds.
    """

    def __init__(self, message: str, *, timeout: float = 0.0) -> None:
        super().__init__(message)
        self.timeout = timeout


class WorkerCrashed(WorkerError):
    """The worker process died: ``os._exit``, a segfault, killed by a signal.

    Attributes
    ----------
    returncode : int or None
        The exit status (negative: killed by that signal), as in
        :attr:`subprocess.Popen.returncode`.
    """

    def __init__(self, message: str, *, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode

    @property
    def reason(self) -> str:
        """``"exit code 3"`` or ``"signal SIGSEGV"``, for messages."""
        return _describe_exit(self.returncode)


class RemoteError(WorkerError):
    """The shipped function raised in the worker (the worker goes on).

    Attributes
    ----------
    type_name : str
        The remote exception's qualified type name, e.g. ``"builtins.ValueError"``.
    remote_message : str
        ``str()`` of the remote exception.
    remote_traceback : str
        The formatted remote traceback.
    exception : BaseException or None
        The original exception, when it could be pickled and unpickled.
    """

    def __init__(
        self,
        message: str,
        *,
        type_name: str = "",
        remote_message: str = "",
        remote_traceback: str = "",
        exception: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.type_name = type_name
        self.remote_message = remote_message
        self.remote_traceback = remote_traceback
        self.exception = exception

    @property
    def short_type(self) -> str:
        """The exception's class name without its module, e.g. ``"ValueError"``."""
        return self.type_name.rsplit(".", 1)[-1]


def _describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "unknown exit status"
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


def failure_message(
    exc: BaseException,
    *,
    who: str,
    phase: str,
    timeout: float | None = None,
    option: str = "timeout",
    flag: str | None = None,
    fallback: str | None = None,
    others: str | None = None,
) -> str:
    """What to tell a user when a call into a worker failed.

    Parameters
    ----------
    exc : BaseException
        What the call raised: a :class:`RemoteError`, :class:`CallTimeout`,
        :class:`WorkerCrashed`, or anything else (say, the arguments could not
        be pickled).
    who : str
        The subject of the sentence, e.g. ``"Candidate 'a' (Ridge)"``.
    phase : str
        The phase the call belonged to; ``"setup"`` is shipping the payload
        (a model) to the worker.
    timeout : float, optional
        The timeout to name after a :class:`CallTimeout` (default: the one
        that expired).
    option, flag : str, optional
        The option (and its command-line flag) that sets ``timeout``.
    fallback : str, optional
        Another way out when the payload cannot be shipped, e.g. ``"measure it
        with isolate=False"``.
    others : str, optional
        What a crash spared (``"candidates"``: "The other candidates were not
        affected").

    Returns
    -------
    str

    Examples
    --------
    >>> crash = WorkerCrashed("gone", returncode=-11)
    >>> print(failure_message(crash, who="The model", phase="fit").split(":")[0])
    The model crashed its worker process in the fit phase (signal SIGSEGV)
    """
    alternative = f", or {fallback}" if fallback else ""
    if isinstance(exc, RemoteError):
        if phase == "setup":
            return (
                f"{who} could not be loaded in its worker process: unpickling raised "
                f"{exc.short_type}: {exc.remote_message} (in __setstate__ or a custom "
                "unpickler, say). A model that cannot be unpickled cannot be deployed; "
                f"fix its pickling{alternative}."
            )
        if exc.type_name == "builtins.KeyboardInterrupt":  # the worker ignores Ctrl-C
            return (
                f"{who} raised KeyboardInterrupt in the {phase} phase: its own code raised "
                "it (the worker ignores Ctrl-C). Fix the model."
            )
        if exc.type_name == "builtins.SystemExit":
            return (
                f"{who} tried to exit its worker process (SystemExit({exc.remote_message!r})) "
                f"in the {phase} phase. A model must not call sys.exit(); fix the model."
            )
        return (
            f"{who} raised {exc.short_type} in the {phase} phase: {exc.remote_message}. "
            f"Fix the model or its data. Remote traceback:\n{exc.remote_traceback}"
        )
    if isinstance(exc, CallTimeout):
        seconds = exc.timeout if timeout is None else timeout
        named = option if flag is None else f"{option} ({flag})"
        return (
            f"{who} timeout: a call in the {phase} phase took longer than "
            f"{option}={seconds:g} s beyond the phase's own time; its worker was killed. "
            f"Raise {named} if such calls are expected."
        )
    if isinstance(exc, WorkerCrashed):
        spared = f"The other {others} were not affected; its" if others else "Its"
        return (
            f"{who} crashed its worker process in the {phase} phase ({exc.reason}): a "
            f"segfault in native code, os._exit() or a kill. {spared} stderr (above) may "
            "say more."
        )
    if phase == "setup":
        return (
            f"{who} could not be sent to its worker process: {exc}. Make it picklable "
            f"(cloudpickle){alternative}."
        )
    return f"{who} failed in its worker process in the {phase} phase: {exc}."


# --------------------------------------------------------------------------- frames
def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:_CHUNK])
        view = view[written:]


def _frame(payload: bytes) -> bytes:
    return _HEADER.pack(len(payload)) + payload


def _read_exact(fd: int, n: int) -> bytes | None:
    """Blocking read of ``n`` bytes; None on end of file (child side)."""
    parts = []
    while n:
        chunk = os.read(fd, min(n, _CHUNK))
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def _dumps(obj: Any) -> bytes:
    import cloudpickle

    return cloudpickle.dumps(obj)


def _loads(data: bytes) -> Any:
    import pickle

    return pickle.loads(data)


class _Reader:
    """Incremental reader of frames from a non-blocking-by-select file descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.eof = False

    def frame(self) -> bytes | None:
        """A complete frame from the buffer, or None."""
        if len(self.buffer) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self.buffer)
        end = _HEADER.size + size
        if len(self.buffer) < end:
            return None
        payload = bytes(self.buffer[_HEADER.size : end])
        del self.buffer[:end]
        return payload

    def wait(self, timeout: float | None) -> bool:
        """Read until a frame is complete, end of file, or ``timeout``; True if either."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.eof or self._complete():
                return True
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not _readable(self.fd, left):
                return self.eof or self._complete()
            chunk = os.read(self.fd, _CHUNK)
            if not chunk:
                self.eof = True
            else:
                self.buffer += chunk

    def _complete(self) -> bool:
        if len(self.buffer) < _HEADER.size:
            return False
        (size,) = _HEADER.unpack_from(self.buffer)
        return len(self.buffer) >= _HEADER.size + size


def _readable(fd: int, timeout: float | None) -> bool:
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        ms = None if timeout is None else max(0, int(timeout * 1000 + 0.999))
        return bool(poller.poll(ms))
    ready, _, _ = select.select([fd], [], [], timeout)
    return bool(ready)


# --------------------------------------------------------------------------- parent side
class Worker:
    """A worker process that runs shipped functions, one call at a time.

    Every shipped function is called as ``fn(state, *args, **kwargs)``, where
    ``state`` is a dict that lives in the worker between calls: keep a model
    there (``state["model"] = model``) and later calls can use it without
    shipping it again.

    Parameters
    ----------
    name : str, default "worker"
        Used in error messages.
    startup_timeout : float, default 60.0
        Seconds to wait for the worker to start (import Python, cloudpickle).
    env : dict, optional
        Extra environment variables for the worker (on top of this process's).

    Attributes
    ----------
    startup_s : float
        Seconds from launch to the worker being ready (NaN before :meth:`start`).
    pid : int or None
        The worker's process id once started.

    Notes
    -----
    The worker gets this process's ``sys.path`` and working directory, so
    modules importable here (a test module, a script's directory) are
    importable there; classes defined in ``__main__`` (a notebook, a script)
    travel by value with cloudpickle. A module imported here by file path
    under a name not on ``sys.path`` can be made to travel by value with
    ``cloudpickle.register_pickle_by_value(module)``.

    Examples
    --------
    >>> def double(state, x):
    ...     return 2 * x
    >>> with Worker(name="demo") as w:            # doctest: +SKIP
    ...     w.call(double, 21, timeout=10)
    42

    Non-blocking use, for several workers at once (``select`` on ``fileno()``):

    >>> w = Worker().start()                       # doctest: +SKIP
    >>> w.submit(double, 4)                        # doctest: +SKIP
    >>> while not w.poll(0.01):                    # doctest: +SKIP
    ...     pass                                   # do other work
    >>> w.result()                                 # doctest: +SKIP
    8
    >>> w.close()                                  # doctest: +SKIP
    """

    def __init__(
        self,
        name: str = "worker",
        *,
        startup_timeout: float = 60.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.startup_timeout = float(startup_timeout)
        self.env = dict(env or {})
        self.startup_s = float("nan")
        self._proc: subprocess.Popen[bytes] | None = None
        self._to_child: int | None = None
        self._reader: _Reader | None = None
        self._inflight = 0  # calls submitted and not yet collected
        self._closed = False

    # -- life cycle --------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def alive(self) -> bool:
        """True while the worker process runs."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def busy(self) -> bool:
        """True between :meth:`submit` and :meth:`result`."""
        return self._inflight > 0

    @property
    def in_flight(self) -> int:
        """Calls submitted and not yet collected with :meth:`result`."""
        return self._inflight

    def start(self) -> Worker:
        """Launch the worker and wait until it is ready; returns ``self``.

        Raises
        ------
        WorkerCrashed
            The worker died while starting (its stderr says why).
        CallTimeout
            It was not ready within ``startup_timeout``.
        """
        if self._proc is not None:
            return self
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = {**os.environ, **self.env}
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
        fd_for = _OUTPUT.get()
        stderr = None if fd_for is None else fd_for(self.name)
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        t0 = time.perf_counter()
        try:
            self._proc = subprocess.Popen(
                _worker_command(str(to_child_r), str(from_child_w), str(os.getpid())),
                stdin=subprocess.DEVNULL,
                stderr=stderr,
                pass_fds=(to_child_r, from_child_w),
                close_fds=True,
                env=env,
                start_new_session=True,  # its own group: killed with what a model forks
            )
        except BaseException:
            for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
                os.close(fd)
            raise
        os.close(to_child_r)
        os.close(from_child_w)
        self._to_child = to_child_w
        self._reader = _Reader(from_child_r)
        _LIVE.add(self)
        try:
            self._send(_dumps({"sys_path": list(sys.path), "cwd": os.getcwd()}))
            ready = self._receive(self.startup_timeout, what="start-up")
        except BaseException:
            self.kill()
            raise
        if ready != ("ready", self._proc.pid):
            self.kill()
            raise WorkerError(f"Worker {self.name!r} sent {ready!r} instead of its ready signal.")
        self.startup_s = time.perf_counter() - t0
        return self

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker: end of input (it exits), then kill after ``timeout`` s.

        Safe to call more than once, and after :meth:`kill`.
        """
        if self._proc is None or self._closed:
            self._release()
            return
        if self.busy:  # it is working: no point waiting for it
            self.kill()
            return
        self._close_fd("_to_child")
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill_group()
            self._proc.wait()
        self._kill_group()  # what the model forked, still running after the worker left
        self._release()

    def kill(self) -> None:
        """Kill the worker and its process group now (``SIGKILL``) and reap it."""
        if self._proc is not None:
            self._kill_group()
            self._proc.wait()
        self._release()

    def _kill_group(self) -> None:
        """``SIGKILL`` the worker's process group (the worker and what it forked)."""
        if self._proc is None or self._closed:  # released: its pid may belong to another
            return
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except OSError:  # the group is empty (all gone), or not ours: the worker alone
            if self._proc.poll() is None:
                with contextlib.suppress(OSError):
                    self._proc.kill()

    def _release(self) -> None:
        self._close_fd("_to_child")
        if self._reader is not None:
            with contextlib.suppress(OSError):
                os.close(self._reader.fd)
            self._reader = None
        self._inflight = 0
        self._closed = True
        _LIVE.discard(self)

    def _close_fd(self, attr: str) -> None:
        fd = getattr(self, attr)
        if fd is not None:
            setattr(self, attr, None)
            with contextlib.suppress(OSError):
                os.close(fd)

    # -- calls -------------------------------------------------------------------
    def call(
        self, fn: Callable[..., Any], *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> Any:
        """Run ``fn(state, *args, **kwargs)`` in the worker and return its result.

        Parameters
        ----------
        fn : callable
            Anything cloudpickle can ship; called with the worker's state dict
            first.
        timeout : float, optional
            Seconds the call may take (pickling both ways included); past it
            the worker is killed and :class:`CallTimeout` raised. None waits
            forever.

        Raises
        ------
        RemoteError
            ``fn`` raised (any ``BaseException``, ``SystemExit`` included).
        CallTimeout
            The call took longer than ``timeout``; the worker is dead.
        WorkerCrashed
            The worker died during the call.
        WorkerError
            The call could not be pickled here, or the reply unpickled.
        """
        self.submit(fn, *args, **kwargs)
        return self.result(timeout)

    def submit(
        self, fn: Callable[..., Any], *args: Any, pipeline: bool = False, **kwargs: Any
    ) -> None:
        """Start ``fn(state, *args, **kwargs)`` in the worker without waiting.

        Follow with :meth:`poll` (or ``select`` on :meth:`fileno`) and
        :meth:`result`. One call at a time per worker, unless ``pipeline=True``:
        then further calls may be queued behind the one running (the worker
        runs them in order and :meth:`result` returns their results in order),
        so it never idles waiting for the parent. The open-loop load test uses
        this. After a reply is collected, check :meth:`poll` with timeout 0
        before ``select``: several replies may have arrived in one read.
        """
        if self._proc is None:
            self.start()
        if self._closed or self._to_child is None:
            raise WorkerError(f"Worker {self.name!r} is closed; start a new Worker.")
        if self.busy and not pipeline:
            raise WorkerError(
                f"Worker {self.name!r} is still running a call; collect it with result() first."
            )
        try:
            payload = _dumps((fn, args, kwargs))
        except Exception as exc:
            raise WorkerError(
                f"Cannot send {getattr(fn, '__name__', fn)!r} to worker {self.name!r}: "
                f"pickling failed ({type(exc).__name__}: {exc}). Make the function and its "
                "arguments picklable by cloudpickle (no open files, locks or lambdas holding them)."
            ) from exc
        self._inflight += 1
        self._send(payload)

    def poll(self, timeout: float = 0.0) -> bool:
        """True when the submitted call has finished (or the worker died).

        Waits up to ``timeout`` seconds for it.
        """
        if not self.busy or self._reader is None:
            return not self.busy
        return self._reader.wait(timeout)

    def fileno(self) -> int:
        """The descriptor the worker's replies arrive on, for ``select``/``selectors``."""
        if self._reader is None:
            raise WorkerError(f"Worker {self.name!r} is not running.")
        return self._reader.fd

    def result(self, timeout: float | None = None) -> Any:
        """The submitted call's result, waiting up to ``timeout`` seconds for it.

        Raises the same errors as :meth:`call`; on a timeout the worker is
        killed.
        """
        if not self.busy:
            raise WorkerError(f"Worker {self.name!r} has no call in flight; submit() one first.")
        try:
            reply = self._receive(timeout, what="call")
        except KeyboardInterrupt:
            raise  # Ctrl-C here: the reply is still coming, the call stays in flight
        except BaseException:
            self._inflight = max(0, self._inflight - 1)
            raise
        self._inflight = max(0, self._inflight - 1)
        kind = reply[0]
        if kind == "ok":
            return reply[1]
        _, type_name, message, remote_tb, exc_bytes = reply
        original: BaseException | None = None
        if exc_bytes is not None:
            with contextlib.suppress(Exception):
                original = _loads(exc_bytes)
        raise RemoteError(
            f"{type_name.rsplit('.', 1)[-1]}: {message}",
            type_name=type_name,
            remote_message=message,
            remote_traceback=remote_tb,
            exception=original,
        )

    # -- plumbing ------------------------------------------------------------------
    def _send(self, payload: bytes) -> None:
        assert self._to_child is not None
        try:
            _write_all(self._to_child, _frame(payload))
        except (BrokenPipeError, OSError):
            self._inflight = 0
            raise self._crashed("while receiving a call") from None

    def _receive(self, timeout: float | None, *, what: str) -> Any:
        reader = self._reader
        assert reader is not None
        if not reader.wait(timeout):
            self.kill()
            raise CallTimeout(
                f"Worker {self.name!r}: the {what} took longer than {timeout:g} s; the worker "
                "was killed.",
                timeout=float(timeout or 0.0),
            )
        payload = reader.frame()
        if payload is None:  # end of file: the worker died
            raise self._crashed(f"during the {what}")
        try:
            return _loads(payload)
        except Exception as exc:
            raise WorkerError(
                f"Worker {self.name!r} sent a reply this process cannot unpickle "
                f"({type(exc).__name__}: {exc}); return plain data (arrays, dicts, numbers)."
            ) from exc

    def _crashed(self, when: str) -> WorkerCrashed:
        code: int | None = None
        if self._proc is not None:
            try:
                code = self._proc.wait(5.0)
            except subprocess.TimeoutExpired:
                self._kill_group()
                code = self._proc.wait()
            self._kill_group()
        self._release()
        return WorkerCrashed(
            f"Worker {self.name!r} died {when} ({_describe_exit(code)}): a crash in native "
            "code, os._exit() or a kill. Its stderr (above) may say more.",
            returncode=code,
        )

    def __repr__(self) -> str:
        state = "running" if self.alive else ("closed" if self._closed else "not started")
        return f"Worker(name={self.name!r}, pid={self.pid}, {state})"


@atexit.register
def _reap_all() -> None:
    for worker in list(_LIVE):
        with contextlib.suppress(Exception):
            worker.kill()


# --------------------------------------------------------------------------- child side
def _die_with_parent(parent_pid: int) -> None:
    """On Linux, be killed when the parent dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the parent died before prctl
        os._exit(1)


def _type_name(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def _serve(read_fd: int, write_fd: int) -> int:
    """The worker's loop: read a call, run it, send the reply; until end of input."""
    state: dict[str, Any] = {}

    def send(obj: Any) -> bool:
        try:
            payload = _dumps(obj)
        except Exception as exc:
            payload = _dumps(
                (
                    "err",
                    _type_name(exc),
                    f"the result could not be pickled: {exc}",
                    traceback.format_exc(),
                    None,
                )
            )
        try:
            _write_all(write_fd, _frame(payload))
        except OSError:  # the parent has gone
            return False
        return True

    while True:
        header = _read_exact(read_fd, _HEADER.size)
        if header is None:
            return 0
        (size,) = _HEADER.unpack(header)
        payload = _read_exact(read_fd, size)
        if payload is None:
            return 0
        try:
            fn, args, kwargs = _loads(payload)
            reply: tuple[Any, ...] = ("ok", fn(state, *args, **kwargs))
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            try:
                exc_bytes: bytes | None = _dumps(exc)
            except Exception:
                exc_bytes = None
            reply = ("err", _type_name(exc), str(exc), traceback.format_exc(), exc_bytes)
        finally:
            # Whatever the function printed is out before the reply.
            with contextlib.suppress(Exception):
                sys.stderr.flush()
        if not send(reply):
            return 0


def _child_main(argv: list[str]) -> int:
    read_fd, write_fd, parent_pid = (int(a) for a in argv[:3])
    os.dup2(2, 1)  # anything printed goes to stderr, never to the parent's stdout
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent(parent_pid)
    header = _read_exact(read_fd, _HEADER.size)
    if header is None:
        return 0
    init = _read_exact(read_fd, _HEADER.unpack(header)[0])
    if init is None:
        return 0
    setup = _loads(init)
    # The parent's path, as it is there: what the parent can import, the worker can.
    # The working directory is on it only where it is on the parent's (``-P``).
    sys.path[:] = list(dict.fromkeys([*setup["sys_path"], *sys.path]))
    with contextlib.suppress(OSError):
        os.chdir(setup["cwd"])
    _write_all(write_fd, _frame(_dumps(("ready", os.getpid()))))
    return _serve(read_fd, write_fd)


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))

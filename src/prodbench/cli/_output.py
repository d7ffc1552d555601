"""Candidates' own output, contained: kept in a log, summed up in a few lines.

While candidates run, whatever they print goes to a log instead of the
terminal: each isolated worker's stdout and stderr (file descriptors 1 and 2,
so native logging such as LightGBM's ``[Info]`` lines too) to a log of its
own, and, in this process (``--no-isolate``, loading candidate files), file
descriptors 1 and 2 and Python's ``sys.stdout``/``sys.stderr`` to a log
"in-process". The logs are in memory (``memfd`` where the system has it,
else an unlinked temporary file). prodbench's own progress line and
warnings keep the terminal (a duplicate of the original stderr).

Afterwards :meth:`OutputLog.summary` gives at most a few lines per source
("lgbm printed 1,224 lines; the last 2: ..."), and ``--log FILE`` gets every
line, each prefixed with its source, so the terminal ends with prodbench's
own results.

Examples
--------
>>> import sys
>>> with contained() as log:
...     print("a candidate talks")
>>> log.summary(log_path=None)[0]
'prodbench: in-process candidates printed 1 line: a candidate talks'
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import TextIO

__all__ = ["OutputLog", "contained"]

TAIL_LINES = 3
"""Lines of each source shown on the terminal, at most."""

IN_PROCESS = "in-process candidates"
WORKER_PREFIX = "prodbench candidate "  # engine/isolated.py names its workers so


def _memory_fd(name: str) -> int:
    """A read-write file descriptor on an anonymous file, in memory where possible."""
    memfd = getattr(os, "memfd_create", None)
    if memfd is not None:
        with contextlib.suppress(OSError):
            return int(memfd(f"prodbench-{name}"[:200]))
    fd, path = tempfile.mkstemp(prefix="prodbench-output-")
    os.unlink(path)
    return fd


class OutputLog:
    """The logs of one run, by source (a candidate's name, or the in-process one).

    Examples
    --------
    >>> log = OutputLog()
    >>> os.write(log.fd_for("prodbench candidate lgbm"), b"[Info] one\\n[Info] two\\n")
    22
    >>> log.lines()
    {'lgbm': ['[Info] one', '[Info] two']}
    >>> log.close()
    """

    def __init__(self) -> None:
        self._fds: dict[str, int] = {}
        self.terminal: TextIO = sys.stderr  # prodbench's own lines, while contained

    def fd_for(self, worker_name: str) -> int:
        """The log's descriptor for a worker (or the in-process source); made on first use."""
        source = worker_name.removeprefix(WORKER_PREFIX)
        if source not in self._fds:
            self._fds[source] = _memory_fd(source)
        return self._fds[source]

    def _read(self, fd: int) -> bytes:
        size = os.fstat(fd).st_size
        chunks, offset = [], 0
        while offset < size:
            chunk = os.pread(fd, min(size - offset, 1 << 20), offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        return b"".join(chunks)

    def lines(self) -> dict[str, list[str]]:
        """Every source's lines so far (sources that printed nothing left out)."""
        out: dict[str, list[str]] = {}
        for source, fd in self._fds.items():
            text = self._read(fd).decode("utf-8", errors="replace")
            lines = text.splitlines()
            if lines:
                out[source] = lines
        return out

    def summary(self, log_path: str | None) -> list[str]:
        """At most a few lines a source, with its count and where the rest is.

        Parameters
        ----------
        log_path : str or None
            Where ``--log`` wrote every line, if it was given.

        Returns
        -------
        list of str
            The lines to print on stderr (empty when nothing was printed).

        Examples
        --------
        >>> log = OutputLog()
        >>> _ = os.write(log.fd_for("prodbench candidate m"), b"x\\n" * 1224)
        >>> log.summary("run.log")[0]
        'prodbench: m printed 1,224 lines; the last 3 (every line in run.log):'
        """
        out: list[str] = []
        for source, lines in self.lines().items():
            n = len(lines)
            noun = "line" if n == 1 else "lines"
            if n == 1:
                out.append(f"prodbench: {source} printed 1 line: {_short(lines[0])}")
                continue
            where = f"every line in {log_path}" if log_path else "--log FILE keeps every line"
            shown = lines[-TAIL_LINES:]
            head = f"the last {len(shown)}" if n > len(shown) else "all of them"
            out.append(f"prodbench: {source} printed {n:,} {noun}; {head} ({where}):")
            out.extend(f"  {_short(line)}" for line in shown)
        return out

    def write(self, path: str) -> None:
        """Every line of every source, prefixed with its source, to ``path``.

        Parameters
        ----------
        path : str
            The log file (replaced, atomically).

        Examples
        --------
        >>> import pathlib, tempfile
        >>> log = OutputLog()
        >>> _ = os.write(log.fd_for("prodbench candidate m"), b"hello\\n")
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.log"
        >>> log.write(str(path)); path.read_text()
        '[m] hello\\n'
        """
        from .._fileio import atomic_path

        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            for source, lines in self.lines().items():
                for line in lines:
                    fh.write(f"[{source}] {line}\n")

    def close(self) -> None:
        """Release the logs."""
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()


def _short(line: str, width: int = 76) -> str:
    line = line.rstrip()
    return line if len(line) <= width else line[: width - 3] + "..."


@contextlib.contextmanager
def contained() -> Iterator[OutputLog]:
    """While the block runs, candidates' output goes to an :class:`OutputLog`.

    Yields the log; its ``terminal`` attribute is a stream on the original
    stderr for prodbench's own progress line. Warnings are shown there too.

    Examples
    --------
    >>> with contained() as log:
    ...     print("quiet, please")
    >>> list(log.lines())
    ['in-process candidates']
    """
    log = OutputLog()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = {fd: os.dup(fd) for fd in (1, 2)}
    except OSError:  # no standard descriptors to contain (an embedded interpreter)
        yield log
        return
    # prodbench's own lines go where sys.stderr went: the original descriptor 2, or,
    # when sys.stderr is a Python object of its own (a notebook, a test), that object.
    try:
        on_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        on_fd2 = False
    terminal: TextIO
    if on_fd2:
        wrapper = io.TextIOWrapper(
            os.fdopen(os.dup(saved[2]), "wb", buffering=0), encoding="utf-8", line_buffering=True
        )
        wrapper.isatty = lambda: os.isatty(saved[2])  # type: ignore[method-assign]
        terminal = wrapper
    else:
        terminal = sys.stderr
    log.terminal = terminal
    sink = log.fd_for(IN_PROCESS)
    old_streams = sys.stdout, sys.stderr
    old_show = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        terminal.write(warnings.formatwarning(message, category, filename, lineno, line))

    from ..worker import output_to

    try:
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        sys.stdout = sys.stderr = io.TextIOWrapper(
            os.fdopen(os.dup(sink), "wb", buffering=0), encoding="utf-8", line_buffering=True
        )
        warnings.showwarning = show
        with output_to(log.fd_for):
            yield log
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        if sys.stdout is not old_streams[0]:
            with contextlib.suppress(Exception):
                sys.stdout.close()
        sys.stdout, sys.stderr = old_streams
        warnings.showwarning = old_show
        for fd, dup in saved.items():
            with contextlib.suppress(OSError):
                os.dup2(dup, fd)
            os.close(dup)
        if on_fd2:
            with contextlib.suppress(Exception):
                terminal.close()

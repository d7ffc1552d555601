"""Resident memory of the process a candidate runs in: after loading or fitting, and the peak.

A serving host fits as many workers as their memory allows, as much as their
CPU: a 3 GB model times 8 workers is 24 GB. Each measured candidate records,
in the process it ran in (its isolation worker by default):

- ``rss_bytes`` and ``uss_bytes`` once the model is loaded or fitted, before
  the first prediction: the resident set (what the kernel counts against the
  host) and the unique set (the pages no other process shares, what one more
  worker adds on a host where the libraries are shared);
- ``peak_rss_bytes`` during prediction (cold start, score, throughput
  batches and the one-row latency phase). On Linux the kernel's high-water
  mark is reset just before the first prediction (``/proc/self/clear_refs``)
  and read after the last, so the peak is the prediction phase's own and no
  sampling thread runs beside the timed calls; where the reset is not
  available, or in a shared process (``isolate=False``, where one
  candidate's reset would cut another's peak short), it is the process's
  peak since it started (``peak_scope`` says which).

``scope`` says whose memory it is: ``"worker"`` (the candidate's own
process, the training split and prodbench's own code included) or
``"shared process"`` (``isolate=False``: the figures are the whole
measuring process, every candidate and the data included, so an
overestimate of one worker).

psutil is imported inside the functions that read the process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SchemaError

__all__ = ["WorkerMemory", "peak_rss", "reset_peak", "resident"]

SCOPES = ("worker", "shared process")
PEAK_SCOPES = ("prediction", "process lifetime")


def resident() -> tuple[int, int | None]:
    """This process's resident and unique set sizes in bytes (USS None where unavailable).

    Returns
    -------
    tuple of (int, int or None)
        ``(rss, uss)``.

    Examples
    --------
    >>> rss, uss = resident()
    >>> rss > 0
    True
    """
    import psutil

    proc = psutil.Process()
    try:
        full = proc.memory_full_info()
        return int(full.rss), int(full.uss)
    except (psutil.AccessDenied, AttributeError, OSError):  # pragma: no cover - platform
        return int(proc.memory_info().rss), None


def reset_peak() -> bool:
    """Reset the kernel's peak resident size of this process to its current size.

    Returns
    -------
    bool
        True when the reset took (Linux 4.0+); False elsewhere, where
        :func:`peak_rss` is then the peak since the process started.

    Examples
    --------
    >>> isinstance(reset_peak(), bool)
    True
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss() -> int:
    """The peak resident size of this process in bytes (since :func:`reset_peak`, on Linux).

    Returns
    -------
    int

    Examples
    --------
    >>> peak_rss() > 0
    True
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


@dataclass(frozen=True)
class WorkerMemory:
    """Resident memory of the process a candidate was measured in.

    Parameters
    ----------
    rss_bytes : int
        Resident set size once the model was loaded or fitted.
    uss_bytes : int or None
        Unique set size at the same moment (None where the platform hides it).
    peak_rss_bytes : int
        Peak resident size during prediction (see ``peak_scope``).
    scope : str
        ``"worker"`` (the candidate's own process) or ``"shared process"``
        (measured in-process: every candidate and the data included).
    peak_scope : str
        ``"prediction"`` (the peak was reset before the first prediction) or
        ``"process lifetime"`` (the fit's peak included).
    pid : int
        The measured process.

    Examples
    --------
    >>> m = WorkerMemory(rss_bytes=300 << 20, uss_bytes=250 << 20, peak_rss_bytes=320 << 20)
    >>> m.per_worker_bytes == 320 << 20
    True
    >>> WorkerMemory.from_dict(m.to_dict()) == m
    True
    """

    rss_bytes: int
    uss_bytes: int | None
    peak_rss_bytes: int
    scope: str = "worker"
    peak_scope: str = "prediction"
    pid: int = 0

    @property
    def per_worker_bytes(self) -> int:
        """What one serving worker needs: the larger of the loaded RSS and the prediction peak."""
        return max(self.rss_bytes, self.peak_rss_bytes)

    @property
    def isolated(self) -> bool:
        """True when measured in the candidate's own worker process."""
        return self.scope == "worker"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, read back by :meth:`from_dict`.

        Returns
        -------
        dict

        Examples
        --------
        >>> WorkerMemory(1 << 20, None, 2 << 20).to_dict()["peak_rss_bytes"]
        2097152
        """
        return {
            "rss_bytes": self.rss_bytes,
            "uss_bytes": self.uss_bytes,
            "peak_rss_bytes": self.peak_rss_bytes,
            "scope": self.scope,
            "peak_scope": self.peak_scope,
            "pid": self.pid,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerMemory:
        """Rebuild from :meth:`to_dict`'s dict.

        Parameters
        ----------
        data : Mapping
            What :meth:`to_dict` returned, possibly read back from JSON.

        Returns
        -------
        WorkerMemory

        Raises
        ------
        SchemaError
            For a malformed entry (a negative size, an unknown scope).

        Examples
        --------
        >>> m = WorkerMemory(1 << 20, 1 << 19, 2 << 20, scope="shared process")
        >>> WorkerMemory.from_dict(m.to_dict()).scope
        'shared process'
        """

        def size(key: str, optional: bool = False) -> Any:
            value = data.get(key)
            if value is None and optional:
                return None
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SchemaError(
                    f"The saved memory.{key} is {value!r}; it must be a whole number of bytes "
                    "(0 or more). Re-run the measurement and save it again."
                )
            return value

        scope = data.get("scope", "worker")
        peak_scope = data.get("peak_scope", "prediction")
        if scope not in SCOPES or peak_scope not in PEAK_SCOPES:
            raise SchemaError(
                f"The saved memory has scope {scope!r} / peak_scope {peak_scope!r}; this "
                f"prodbench knows {', '.join(SCOPES)} and {', '.join(PEAK_SCOPES)}. Re-run the "
                "measurement and save it again."
            )
        return cls(
            rss_bytes=size("rss_bytes"),
            uss_bytes=size("uss_bytes", optional=True),
            peak_rss_bytes=size("peak_rss_bytes"),
            scope=scope,
            peak_scope=peak_scope,
            pid=int(data.get("pid", 0)),
        )

    def describe(self) -> str:
        """One line for a report.

        Returns
        -------
        str

        Examples
        --------
        >>> WorkerMemory(300 << 20, 250 << 20, 320 << 20).describe()
        'RSS 315 MB, USS 262 MB after loading; peak 336 MB while predicting (worker process)'
        """
        from .units import format_bytes

        uss = "" if self.uss_bytes is None else f", USS {format_bytes(self.uss_bytes)}"
        peak = (
            "while predicting"
            if self.peak_scope == "prediction"
            else "since the process started (the fit included)"
        )
        where = (
            "worker process"
            if self.isolated
            else "the shared measuring process: every candidate and the data included, "
            "an overestimate of one worker"
        )
        return (
            f"RSS {format_bytes(self.rss_bytes)}{uss} after loading; "
            f"peak {format_bytes(self.peak_rss_bytes)} {peak} ({where})"
        )


class _Probe:
    """Taken in the measuring process: the loaded figures, then the peak of prediction."""

    def __init__(self, isolated: bool) -> None:
        self.rss, self.uss = resident()
        # In a shared process another candidate's reset would cut this one's peak short.
        self.reset = reset_peak() if isolated else False
        self.scope = "worker" if isolated else "shared process"

    def finish(self) -> WorkerMemory:
        return WorkerMemory(
            rss_bytes=self.rss,
            uss_bytes=self.uss,
            peak_rss_bytes=peak_rss(),
            scope=self.scope,
            peak_scope="prediction" if self.reset else "process lifetime",
            pid=os.getpid(),
        )


def probe(isolated: bool) -> _Probe | None:
    """Start a memory probe (None when psutil is missing: memory then goes unrecorded).

    Parameters
    ----------
    isolated : bool
        Whether this process is the candidate's own worker.

    Returns
    -------
    _Probe or None

    Examples
    --------
    >>> p = probe(isolated=True)
    >>> p is None or p.finish().rss_bytes > 0
    True
    """
    try:
        return _Probe(isolated)
    except ImportError:
        return None

"""Files written whole or not at all, and JSON read with one clear error per failure.

:func:`write_json_atomic` and :func:`atomic_path` write through a temporary
file next to the target and a rename, so a crash or Ctrl-C leaves the old
file or the new one, never half; :func:`load_json` turns every way a results
file can be unreadable into a :class:`~prodbench.errors.SchemaError` that says
what to do. :mod:`prodbench.results` re-exports all three (callers look them
up there at call time, so a test can replace ``prodbench.results.write_json_atomic``).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import SchemaError

__all__ = ["atomic_path", "load_json", "write_json_atomic"]


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file and a rename.

    A crash or Ctrl-C leaves either the old file or the new one, never half.
    The file gets the mode a plain ``open(path, "w")`` would give it (the
    umask's, or the existing file's). The temporary file
    (``.NAME.PID.XXXX.tmp`` next to ``path``) is removed on success, on an
    error and on Ctrl-C; only a process killed outright (SIGKILL, power loss)
    leaves one behind, and the next write to the same path removes it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> write_json_atomic(p, {"a": 1}); p.read_text()
    '{"a": 1}'
    """
    target = Path(path)
    if target.is_dir():
        from .errors import DataError

        raise DataError(
            f"{str(path)!r} is a directory; results are saved to a file. Pass a file name "
            f"such as {str(target / 'results.json')!r}."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, allow_nan=True)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path next to ``target``, renamed onto it if the block succeeds.

    The temporary file is created empty with the mode ``target`` would get
    from a plain ``open`` (the umask's, or the existing file's mode), and is
    removed when the block raises (Ctrl-C included). Stale temporary files of
    ``target`` left by killed processes are removed first.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(p) as tmp:
    ...     _ = pathlib.Path(tmp).write_text("done")
    >>> p.read_text()
    'done'
    """
    target = Path(target)
    _remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=_TMP_SUFFIX, dir=target.parent
    )
    try:
        os.close(fd)
        os.chmod(tmp, _plain_mode(target))
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TMP_SUFFIX = ".tmp"
_STALE_AFTER_S = 60.0


def _plain_mode(target: Path) -> int:
    """The permission bits ``open(target, "w")`` would leave: the existing file's, or umask's."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux says it without changing it
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def _remove_stale_temporaries(target: Path) -> None:
    """Remove ``.NAME.PID.*.tmp`` files of ``target`` whose writer is gone.

    Only files of this naming, at least a minute old, whose process id is not
    alive on this machine are removed: a write in progress is never touched.
    """
    prefix = f".{target.name}."
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
            continue
        pid_text = name[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit() or _process_alive(int(pid_text)):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < _STALE_AFTER_S:
                continue
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            continue


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # exists (another user's) or cannot tell: keep the file
    return True


def load_json(path: str | os.PathLike[str]) -> Any:
    """Read JSON from ``path``, turning unreadable or corrupt files into :class:`SchemaError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SchemaError(f"No results file at {str(path)!r}. Check the path.") from exc
    except IsADirectoryError as exc:
        raise SchemaError(
            f"{str(path)!r} is a directory, not a results file. Pass the .json file that "
            "compare --output or to_json wrote."
        ) from exc
    except UnicodeDecodeError as exc:
        raise SchemaError(
            f"{str(path)!r} is not a UTF-8 text file (byte {exc.start} cannot be decoded): it "
            "is binary or in another encoding such as UTF-16, so it is not a prodbench "
            "results file. Pass the .json file that compare --output or to_json wrote."
        ) from exc
    except OSError as exc:
        raise SchemaError(f"Cannot read {str(path)!r}: {exc}.") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(
            f"{str(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno}); it may be "
            "truncated or not a prodbench results file. Re-run the measurement to recreate it."
        ) from exc
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise SchemaError(
            f"{str(path)!r} cannot be read as JSON: a value in it cannot be converted (such as "
            "an integer thousands of digits long), so it is not a prodbench results file. Pass "
            "the .json file that compare --output or to_json wrote."
        ) from exc
    except RecursionError:
        raise SchemaError(
            f"{str(path)!r} is nested too deeply to read as JSON; a prodbench results file "
            "is a few levels deep, so this is not one. Pass the .json file that compare "
            "--output or to_json wrote."
        ) from None

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

from .errors import SchemaError, SpecError

__all__ = ["atomic_path", "input_file", "load_json", "output_target", "write_json_atomic"]

_KINDS = (
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "FIFO (named pipe)"),
    (stat.S_ISSOCK, "socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "special file"


def _through_proc(path: str) -> bool:
    """True when ``path``, or a symlink on its way, is under ``/proc`` (``/dev/stdout``)."""
    current = os.path.abspath(path)
    for _ in range(40):
        if os.path.realpath(os.path.dirname(current)).startswith("/proc/"):
            return True
        if not os.path.islink(current):
            return False
        try:
            link = os.readlink(current)
        except OSError:
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return False


def output_target(path: str | os.PathLike[str], option: str = "") -> str:
    """The file a write to ``path`` replaces: absolute, through symlinks; refuse the rest.

    Results are written through a temporary file and a rename, which replaces
    whatever is at the path. So an existing path must be a regular file (a
    symlink to one is written through: its target gets the new content and the
    link stays); a directory, a device node, a FIFO or a socket is refused, and
    so are the standard streams (``-``, ``/dev/stdout``, ``/dev/fd/N``): on the
    command line ``--format json`` puts JSON on stdout.

    Raises
    ------
    SpecError
        The path is one of those, naming ``option`` when given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "run.json"
    >>> output_target(p) == str(p.resolve())
    True
    >>> output_target("/dev/null")
    Traceback (most recent call last):
    ...
    prodbench.errors.SpecError: '/dev/null' is a character device, not a regular file: ...
    """
    text = os.fspath(path)
    label = f"{option} {text!r}" if option else repr(text)
    how = (
        "Results are written through a temporary file renamed over the path, which would replace it"
    )
    if text.strip() in ("-", "") or _through_proc(text):
        stream = "empty" if not text.strip() else "a standard stream, not a file"
        raise SpecError(
            f"{label} is {stream}. Name a regular file to write, e.g. run.json; on the "
            "command line, --format json puts JSON on stdout."
        )
    real = os.path.realpath(text)
    try:
        mode = os.stat(real).st_mode
    except OSError:  # nothing there yet (or a dangling link: its target is created)
        return real
    if stat.S_ISDIR(mode):
        raise SpecError(
            f"{label} is a directory. Name a file inside it, e.g. {os.path.join(text, 'run.json')}."
        )
    if not stat.S_ISREG(mode):
        where = f" (it resolves to {real!r})" if real != os.path.abspath(text) else ""
        raise SpecError(
            f"{label} is a {_kind(mode)}{where}, not a regular file: {how}. Choose a path "
            "that is a regular file or does not exist yet, e.g. run.json."
        )
    return real


def input_file(path: str | os.PathLike[str], option: str = "") -> None:
    """Refuse an input that exists and is not a regular file (a FIFO would block for ever).

    A missing path is left to the reader, which says so in its own words.

    Examples
    --------
    >>> input_file("/dev/null", "--data")
    Traceback (most recent call last):
    ...
    prodbench.errors.SpecError: --data '/dev/null' is a character device, not a regular file: ...
    """
    text = os.fspath(path)
    try:
        mode = os.stat(text).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # a directory has its own message
        return
    label = f"{option} {text!r}" if option else repr(text)
    raise SpecError(
        f"{label} is a {_kind(mode)}, not a regular file: prodbench reads files whole, and "
        "reading a FIFO or a device may never end. Save the data to a file and pass its path."
    )


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
    target = Path(output_target(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, allow_nan=True)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path next to ``target``, renamed onto it if the block succeeds.

    The temporary file is created empty with the mode ``target`` would get
    from a plain ``open`` (the umask's, or the existing file's mode), and is
    removed when the block raises (Ctrl-C included). Stale temporary files of
    ``target`` left by killed processes are removed first. ``target`` goes
    through :func:`output_target` first: a symlink to a regular file is
    written through (its target is replaced, the link kept); a directory, a
    device, a FIFO, a socket or a standard stream is refused
    (:class:`~prodbench.errors.SpecError`) and left as it is.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(p) as tmp:
    ...     _ = pathlib.Path(tmp).write_text("done")
    >>> p.read_text()
    'done'
    """
    target = Path(output_target(target))
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
        input_file(path)
    except SpecError as exc:
        raise SchemaError(str(exc)) from None
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

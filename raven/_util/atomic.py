"""Atomic writes: a file or a folder appears complete under its name, or not at all.

Content is written into a temporary sibling, flushed to disk, then renamed over the target
(a rename within one folder is atomic on POSIX and Windows). Temporaries are named
``.<name>.<host>.<pid>-<token>.tmp``; a process killed mid-write (SIGKILL, power loss)
leaves one behind, and ``clean_debris`` removes those whose writer process no longer runs on
this host (a live writer, or one on another host sharing the folder, is left alone).
Files and folders get the usual permissions (0666 / 0777 minus the umask), not the 0600
of ``tempfile``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

_DEBRIS = re.compile(r"^\..+\.([0-9a-f]{8})\.(\d+)-[0-9a-f]{8}\.tmp$")


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


def temporary_name(path: Path) -> Path:
    """A fresh temporary sibling of ``path``, recognisable by ``clean_debris``.

    Parameters
    ----------
    path : pathlib.Path
        The final file or folder.

    Returns
    -------
    pathlib.Path
        ``.<name>.<host>.<pid>-<token>.tmp`` in the same folder.
    """
    return path.with_name(f".{path.name}.{_host_tag()}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def atomic_write(path: str | Path, content: bytes | str | Callable[[IO[bytes]], None]) -> Path:
    """Write ``content`` to ``path`` atomically; the parent folder is created if needed.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    content : bytes or str or callable
        Bytes, text (written as UTF-8), or a function writing to a binary file.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        Naming ``path`` and the reason (``write_error``); the temporary is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content.encode() if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise write_error(path, err) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_error(path: Path, err: OSError) -> OSError:
    """An ``OSError`` that names the file being written (not its temporary) and the reason in
    words: a full disk reports itself as ``no space left on the device``, including numpy's
    short writes ("N requested and M written"), which carry no error number.

    Parameters
    ----------
    path : pathlib.Path
        The file being written.
    err : OSError
        The error raised while writing.

    Returns
    -------
    OSError
        The error to raise instead.
    """
    short = err.errno is None and "requested and" in str(err) and "written" in str(err)
    if err.errno == errno.ENOSPC or short:
        return OSError(errno.ENOSPC, f"{path}: no space left on the device (or quota exceeded)")
    if isinstance(err, IsADirectoryError) or (err.errno == errno.EISDIR):
        return OSError(err.errno, f"{path}: a folder is in the way: expected a file name")
    reason = err.strerror or str(err)
    return OSError(err.errno, f"{path}: cannot write ({reason})")


@contextlib.contextmanager
def atomic_dir(final: str | Path) -> Iterator[Path]:
    """A temporary folder to fill; on success it is renamed to ``final``. When ``final``
    appeared meanwhile (another process made the same folder first), theirs is kept and
    ours discarded.

    Parameters
    ----------
    final : str or pathlib.Path
        The folder to create.

    Yields
    ------
    pathlib.Path
        The temporary folder.

    Raises
    ------
    OSError
        Naming ``final`` and the reason; the temporary is removed.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(final)
    tmp.mkdir(0o777)
    try:
        yield tmp
        try:
            os.replace(tmp, final)
        except OSError:
            if not final.exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise write_error(final, err) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or this platform cannot tell: keep
    return True


def clean_debris(folder: str | Path) -> list[Path]:
    """Remove the temporaries left in ``folder`` by writers of this host that are gone.

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder to clean (nothing happens if it does not exist).

    Returns
    -------
    list of pathlib.Path
        What was removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    host, removed = _host_tag(), []
    for entry in folder.iterdir():
        m = _DEBRIS.match(entry.name)
        if not m or m.group(1) != host:
            continue
        pid = int(m.group(2))
        if pid == os.getpid() or _alive(pid):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed

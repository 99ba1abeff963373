"""The run folder of ``raven train``: its files, its lifecycle, and the lock that keeps
one writer in it.

Files (every one written atomically, so each is whole or absent):

- ``config.json``: the configuration of the run whose files are beside it;
- ``dataset.json``: the identity (fingerprint) of the data it trains on;
- ``checkpoint.npz``: the training position, written every
  ``training.checkpoint_every_updates`` updates and at every epoch end;
- ``chip.npz``: the trained chip, then ``training.json``: its summary (written last);
- the folder itself is locked (``run_lock``) by the process writing it.

Lifecycle (``state_of``):

- **new**: none of the files above. ``train`` starts: it writes ``config.json`` and
  ``dataset.json`` first, so they describe whatever follows.
- **started**: ``config.json`` / ``dataset.json`` but no checkpoint (stopped before the
  first one). A fresh ``train`` starts again and rewrites them; nothing is lost.
- **interrupted**: a checkpoint and no complete result (``chip.npz`` and
  ``training.json``). ``train(resume=True)`` continues, bit for bit, with the same
  configuration and dataset (anything else is refused); a fresh ``train`` is refused,
  since it would overwrite the configuration the checkpoint belongs to.
- **finished**: ``chip.npz`` and ``training.json``. ``evaluate`` reads it; a fresh
  ``train`` is refused (it would leave a new ``config.json`` beside the old chip): use
  another folder or delete this one. ``train(resume=True)`` replays the end of the last
  checkpoint and rewrites the same result.
- **concurrent**: a second ``train`` into a folder whose lock is held is refused at once,
  whatever the state, so that a folder never mixes two runs.

Names a user gives that become one path component (a run name, a sweep name) must stay a
single component (``raven._util.files.check_name``), so that no name writes outside its
output folder.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .._util.files import read_json
from ..fit.loop import CHECKPOINT

CONFIG = "config.json"
DATASET = "dataset.json"
FINAL = "chip.npz"
SUMMARY = "training.json"
LOCK = "train.lock"  # only where the OS has no flock (run_lock)


def state_of(folder: str | Path) -> str:
    """The lifecycle state of a run folder (module docstring).

    Parameters
    ----------
    folder : str or pathlib.Path
        The run folder (it may not exist).

    Returns
    -------
    str
        "new", "started", "interrupted" or "finished".
    """
    folder = Path(folder)
    if (folder / FINAL).is_file() and (folder / SUMMARY).is_file():
        return "finished"
    if (folder / CHECKPOINT).is_file() or (folder / FINAL).is_file():
        return "interrupted"
    if (folder / CONFIG).is_file() or (folder / DATASET).is_file():
        return "started"
    return "new"


def check_fresh_start(folder: Path) -> None:
    """Refuse a fresh training into a folder that holds another run's results or checkpoint.

    Parameters
    ----------
    folder : pathlib.Path
        The run folder.

    Raises
    ------
    ValueError
        For an interrupted or finished folder, naming it and the ways on.
    """
    state = state_of(folder)
    if state == "finished":
        raise ValueError(
            f"{folder}: already holds a finished run ({FINAL}, {SUMMARY}); a new training"
            " would mix with it: evaluate it, or train into another folder (or delete this one)"
        )
    if state == "interrupted":
        raise ValueError(
            f"{folder}: holds the checkpoint of an unfinished run; continue it with --resume"
            " (resume=True), or train into another folder (or delete this one)"
        )


def recorded(folder: Path, name: str) -> dict | None:
    """A JSON file of the run folder (``CONFIG``, ``DATASET``, ``SUMMARY``), checked, or
    None when absent.

    Parameters
    ----------
    folder : pathlib.Path
        The run folder.
    name : str
        The file's name.

    Returns
    -------
    dict or None

    Raises
    ------
    ValueError
        Naming the file when it is unreadable or not a JSON object.
    """
    path = folder / name
    if not path.is_file():
        return None
    required = {DATASET: ("fingerprint",), SUMMARY: ("curve", "updates", "audio_report")}
    return read_json(
        path,
        required=required.get(name, ()),
        remedy=f"restore it, or delete the run folder {folder} and train again",
    )


@contextlib.contextmanager
def run_lock(folder: str | Path) -> Iterator[None]:
    """Hold the run folder's lock while the block runs.

    The lock is an OS lock on the folder itself (``flock``), released when the process
    ends however it ends, and leaving no file behind. Where there is no ``flock``
    (Windows), it is a ``LOCK`` file made exclusively and removed at the end; one left by
    a killed process is named in the error, to delete.

    Parameters
    ----------
    folder : str or pathlib.Path
        The run folder (it must exist).

    Yields
    ------
    None

    Raises
    ------
    ValueError
        When another process holds the lock (naming the folder).
    """
    busy = (
        f"{folder}: another training is writing this run folder; wait for it to end, or"
        " train into another folder"
    )
    try:
        import fcntl
    except ImportError:
        path = Path(folder) / LOCK
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            raise ValueError(f"{busy} (or delete {path} if none runs)") from None
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ValueError(busy) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock

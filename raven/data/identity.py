"""The identity of a dataset folder: its path and a fingerprint of its file list.

Recorded in every run folder (``dataset.json``) and in every sweep point's key, so that a
resumed run refuses another dataset and a sweep recomputes a point whose data changed. The
fingerprint is the SHA-256 of the sorted (relative path, size in bytes) of every file under
the folder (hidden files and folders excluded): renaming, adding, removing or resizing a
file changes it; moving or copying the folder does not.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def file_list(root: Path) -> list[tuple[str, int]]:
    """Every file under ``root`` with its size, hidden files and folders left out, links
    followed.

    Parameters
    ----------
    root : pathlib.Path
        The dataset folder.

    Returns
    -------
    list of (str, int)
        (path relative to ``root``, size in bytes; -1 for a dangling link), sorted.
    """
    rows = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = Path(folder).relative_to(root)
        for name in files:
            if name.startswith("."):
                continue
            try:
                size = os.stat(os.path.join(folder, name)).st_size
            except OSError:  # a dangling link: listed, with no size
                size = -1
            rows.append(((rel / name).as_posix(), size))
    return sorted(rows)


def dataset_identity(root: str | Path) -> dict:
    """What identifies a dataset folder: its path, file count and a fingerprint of its file
    names and sizes.

    Parameters
    ----------
    root : str or pathlib.Path
        The dataset folder.

    Returns
    -------
    dict
        ``path`` (resolved), ``n_files`` and ``fingerprint`` (24 hex digits of the SHA-256
        of ``file_list``).

    Raises
    ------
    ValueError
        ``root`` is not a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(
            f"data directory {root} does not exist (expected a Speech Commands"
            " folder or a folder of <label>/<clip>.wav)"
        )
    rows = file_list(root)
    digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:24]
    return {"path": str(root.resolve()), "n_files": len(rows), "fingerprint": digest}

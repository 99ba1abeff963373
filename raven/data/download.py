"""Download and unpack Google Speech Commands when it is absent and a network exists.

Over HTTPS, resumable (a ``.part`` file continued with an HTTP Range request), verified
(the byte count announced by the server, and the archive's published SHA-256: a mismatch
deletes the download and says so; the digest of every completed archive is written next to
it, and an archive found in place is checked against it), unpacked atomically (into a
temporary folder renamed at the end) and safely (tar members may not leave the target
folder).
"""

from __future__ import annotations

import hashlib
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .._util.atomic import atomic_dir, atomic_write, clean_debris
from .._util.progress import progress_bar


@dataclass(frozen=True, slots=True)
class DatasetSource:
    """Where a dataset version is downloaded from.

    Attributes
    ----------
    name : str
        Name of the version.
    url : str
        URL of the archive (HTTPS).
    folder : str
        Folder it is unpacked into under the data directory.
    sha256 : str or None
        Expected SHA-256 of the archive, verified when known.
    """

    name: str
    url: str
    folder: str
    sha256: str | None = None  # verified when known


SOURCES = {
    # SHA-256 of the archives as published with the dataset.
    "v0.02": DatasetSource(
        "v0.02",
        "https://download.tensorflow.org/data/speech_commands_v0.02.tar.gz",
        "speech_commands_v0.02",
        "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
    ),
    "v0.01": DatasetSource(
        "v0.01",
        "https://download.tensorflow.org/data/speech_commands_v0.01.tar.gz",
        "speech_commands_v0.01",
        "743935421bb51cccdb6bdd152e04c5c70274e935c82119ad7faeec31780d811d",
    ),
}
_BLOCK = 1 << 20


class DownloadError(RuntimeError):
    """The dataset could not be obtained; the message says how to use a local copy."""


def _offline_help(source: DatasetSource, data_dir: Path, reason: str) -> str:
    return (
        f"could not download Speech Commands {source.name} from {source.url} ({reason})."
        f" Download it where a network is available, unpack it into"
        f" {data_dir / source.folder}, or pass the folder of a local copy with --data DIR."
    )


def download(
    source: DatasetSource, data_dir: str | Path, progress: bool = True, timeout_s: float = 30.0
) -> Path:
    """Fetch the archive into ``data_dir`` (resuming a ``.part``) and return its path.

    An archive already present is verified and reused. The download is checked against the
    announced length and the known SHA-256, and its digest is written beside it.

    Parameters
    ----------
    source : DatasetSource
        The dataset version.
    data_dir : str or pathlib.Path
        Destination folder (created if needed).
    progress : bool
        Show a progress bar.
    timeout_s : float
        Connection timeout, s.

    Returns
    -------
    pathlib.Path
        The archive.

    Raises
    ------
    DownloadError
        The server cannot be reached (the message says how to use a local copy), the
        transfer was interrupted or is incomplete, or the digest does not match.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    archive = data_dir / Path(source.url).name
    if archive.is_file():
        return _verified(archive, source)
    part = archive.with_name(archive.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(source.url)
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # the part is already complete
            part.replace(archive)
            return archive
        raise DownloadError(_offline_help(source, data_dir, f"HTTP {err.code}")) from None
    except (urllib.error.URLError, OSError) as err:
        raise DownloadError(_offline_help(source, data_dir, str(err))) from None
    with response:
        resumed = response.status == 206
        if not resumed:
            have = 0
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        bar = progress_bar(
            total=total,
            initial=have,
            unit="B",
            unit_scale=True,
            desc=f"download {archive.name}",
            enabled=progress,
        )
        try:
            with open(part, "ab" if resumed else "wb") as fh:
                while chunk := response.read(_BLOCK):
                    fh.write(chunk)
                    bar.update(len(chunk))
        except (OSError, urllib.error.URLError) as err:
            raise DownloadError(
                f"download of {source.url} interrupted after"
                f" {part.stat().st_size} bytes ({err}); run again to resume"
            ) from None
        finally:
            bar.close()
    size = part.stat().st_size
    if total is not None and size != total:
        raise DownloadError(
            f"{part}: {size} bytes, the server announced {total}; run again to resume"
        )
    digest = sha256_of(part)
    if source.sha256 is not None and digest != source.sha256:
        part.unlink()
        raise DownloadError(
            f"{archive.name}: SHA-256 {digest} does not match the expected"
            f" {source.sha256}; the partial download was removed"
        )
    part.replace(archive)
    atomic_write(archive.with_name(archive.name + ".sha256"), f"{digest}  {archive.name}\n")
    return archive


def _verified(archive: Path, source: DatasetSource) -> Path:
    """An archive already in place, checked against the published digest once (the
    recorded ``.sha256`` saves hashing it again on later runs)."""
    if source.sha256 is None:
        return archive
    sidecar = archive.with_name(archive.name + ".sha256")
    if sidecar.is_file() and sidecar.read_text().split()[:1] == [source.sha256]:
        return archive
    digest = sha256_of(archive)
    if digest != source.sha256:
        archive.unlink()
        sidecar.unlink(missing_ok=True)
        raise DownloadError(
            f"{archive}: SHA-256 {digest} does not match the expected {source.sha256};"
            " the file was removed, run again to download it"
        )
    atomic_write(sidecar, f"{digest}  {archive.name}\n")
    return archive


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    str
        Hexadecimal digest.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def unpack(archive: Path, target: Path) -> Path:
    """Extract ``archive`` into ``target`` atomically (temporary folder, then rename).

    Temporaries left by an unpacking killed earlier are removed first; members that would
    escape the folder are refused.

    Parameters
    ----------
    archive : pathlib.Path
        A tar archive.
    target : pathlib.Path
        The folder to create.

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    DownloadError
        The archive cannot be unpacked.
    """
    clean_debris(target.parent)  # an unpacking killed earlier
    try:
        with atomic_dir(target) as tmp, tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")  # refuses members escaping the folder
    except (tarfile.TarError, OSError, EOFError) as err:
        raise DownloadError(
            f"{archive}: cannot unpack ({err}); delete it and download again"
        ) from None
    return target


def ensure_speech_commands(
    version: str = "v0.02", data_dir: str | Path = "data", progress: bool = True
) -> Path:
    """The folder of the dataset under ``data_dir``, downloaded and unpacked if absent.

    Parameters
    ----------
    version : str
        Dataset version, a key of ``SOURCES`` (default "v0.02").
    data_dir : str or pathlib.Path
        Folder holding the archive and the unpacked dataset.
    progress : bool
        Show a progress bar while downloading.

    Returns
    -------
    pathlib.Path
        The dataset's folder.

    Raises
    ------
    ValueError
        An unknown ``version``.
    DownloadError
        As ``download`` and ``unpack``.
    """
    if version not in SOURCES:
        raise ValueError(f"version={version!r}: expected one of {sorted(SOURCES)}")
    source = SOURCES[version]
    target = Path(data_dir) / source.folder
    if (target / "testing_list.txt").is_file():
        return target
    archive = download(source, data_dir, progress=progress)
    return unpack(archive, target)

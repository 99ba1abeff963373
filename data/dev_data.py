"""Rebuild the development set ``gsc12-dev`` from the official Speech Commands v0.02 test
archive, verified file by file.

``gsc12-dev`` is 3,650 clips of the official GSC v0.02 test set (12 labels, the test
archive's own layout: one folder per label, ``_unknown_`` and ``_silence_`` included)
with a speaker-disjoint split of its own (``validation_list.txt``, ``testing_list.txt``;
every other clip is training). This folder ships what is needed to rebuild it, and no
audio: ``gsc12-dev/SHA256SUMS`` names every clip and both lists with its SHA-256, and the
two lists. ``make dev-data`` (``python data/dev_data.py``) downloads the test archive over
HTTPS (or takes a local copy with ``--archive``), extracts exactly the files named in the
manifest, checks every one against its digest, and writes the lists.

``_silence_`` clips: they are 1 s excerpts of the ``_background_noise_`` recordings
scaled by a volume factor (correlation above 0.99 with an excerpt of one recording), not
exact copies, and rounding a scaled excerpt reproduces some exactly but not all (one is
amplified about 22 times and saturates), so no recipe cuts them from the noise files.
They are expected in the test archive's ``_silence_`` folder, under the same names, as
every other clip; that could not be checked against the real archive where this was
written (no network): if any is absent or differs, extraction stops and names it.

Standard library only (no ``raven``): ``python data/dev_data.py [--out DIR] [--archive
PATH]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST_DIR = HERE / "gsc12-dev"
URL = "https://download.tensorflow.org/data/speech_commands_test_set_v0.02.tar.gz"
LISTS = ("validation_list.txt", "testing_list.txt")


def read_manifest(manifest_dir: Path = MANIFEST_DIR) -> dict[str, str]:
    """Relative path to SHA-256 of every file of the set (``SHA256SUMS``).

    Parameters
    ----------
    manifest_dir : pathlib.Path
        Folder with ``SHA256SUMS`` and the two lists.

    Returns
    -------
    dict of str to str
    """
    out = {}
    for n, line in enumerate((manifest_dir / "SHA256SUMS").read_text().splitlines(), 1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise ValueError(f"SHA256SUMS line {n}: expected '<sha256>  <path>'")
        out[name] = digest
    return out


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(url: str, target: Path, timeout_s: float = 60.0) -> Path:
    """Download ``url`` (HTTPS only) to ``target`` through a ``.part`` file.

    Parameters
    ----------
    url : str
    target : pathlib.Path
    timeout_s : float

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    if not url.startswith("https://"):
        raise ValueError(f"url={url!r}: expected an https:// address")
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, open(part, "wb") as fh:
            shutil.copyfileobj(response, fh, 1 << 20)
    except OSError as exc:
        raise SystemExit(
            f"download of {url} failed ({exc}). Without a network: download the archive"
            " elsewhere and pass it with --archive PATH."
        ) from None
    part.replace(target)
    return target


def extract(archive: Path, out: Path, manifest_dir: Path = MANIFEST_DIR) -> int:
    """Extract the files of the manifest from ``archive`` into ``out``, verify every one,
    and write the two lists. Nothing is left in ``out`` unless every file verifies.

    Parameters
    ----------
    archive : pathlib.Path
        The test archive (``.tar.gz``).
    out : pathlib.Path
        Folder of the set (must not exist yet, or be empty).
    manifest_dir : pathlib.Path
        Where ``SHA256SUMS`` and the lists are.

    Returns
    -------
    int
        Number of files written (clips and lists).

    Raises
    ------
    ValueError
        Naming the files missing from the archive or whose digest differs.
    """
    manifest = read_manifest(manifest_dir)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"out={str(out)!r}: expected a new or empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    try:
        wanted = {n for n in manifest if n not in LISTS}
        found = set()
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = member.name.removeprefix("./")
                if name not in wanted or not member.isfile():
                    continue
                dest = work / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(dest, "wb") as fh:
                    shutil.copyfileobj(src, fh)
                found.add(name)
        for name in LISTS:
            shutil.copyfile(manifest_dir / name, work / name)
        missing = sorted(wanted - found)
        if missing:
            raise ValueError(
                f"{archive}: {len(missing)} file(s) of the manifest are not in the archive,"
                f" e.g. {missing[:3]}"
            )
        bad = sorted(n for n, d in manifest.items() if sha256_of(work / n) != d)
        if bad:
            raise ValueError(f"{len(bad)} file(s) differ from SHA256SUMS, e.g. {bad[:3]}")
        if out.exists():
            out.rmdir()
        work.replace(out)
        return len(manifest)
    finally:
        if work.exists():
            shutil.rmtree(work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "gsc12-dev-audio"), help="target folder")
    parser.add_argument("--archive", help="a local copy of the test archive (skips download)")
    parser.add_argument("--url", default=URL)
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.archive:
        archive = Path(args.archive)
    else:
        archive = HERE / Path(args.url).name
        if not archive.exists():
            print(f"downloading {args.url}", file=sys.stderr)
            download(args.url, archive)
    n = extract(archive, out)
    print(f"{out}: {n} files verified against {MANIFEST_DIR / 'SHA256SUMS'}")
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())

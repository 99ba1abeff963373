"""Feature cache: features of a (dataset split, feature config, augmentation) computed once,
in parallel over clips with a progress bar, stored as memory-mappable ``.npy`` arrays with
labels and file names, written atomically, reused by the next run and invalidated when the
configuration or the files change (their sizes and modification times are in the key)."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from .._util.atomic import atomic_dir, clean_debris
from .._util.files import check_array, file_error, read_json
from .._util.progress import progress_bar
from ..config.inputs import AugmentConfig, FeatureConfig
from ..data.audio import AudioError, AudioReport, read_wav
from ..data.augment import augment_clip, clip_key, clip_rng, silence_clip
from ..data.speech_commands import Clip, DatasetIndex
from .mfcc import FeatureExtractor

CACHE_VERSION = 1
_CHUNK = 64
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class FeatureSet:
    """Features and labels of a split, and the clips they came from.

    Attributes
    ----------
    features : numpy.ndarray
        float32 features, shape (n, frames, coeffs); memory-mapped when loaded from the
        cache.
    labels : numpy.ndarray
        int16 class indices, shape (n,).
    files : list of str
        The clip of each row (relative path; silence clips have none).
    label_names : tuple of str
        Class names, in class-index order.
    report : dict
        The ``AudioReport`` of the extraction (``AudioReport.as_dict``).
    path : pathlib.Path or None
        The cache folder it is stored in; None when not cached.
    extraction_clips_per_s : float or None
        Throughput of the extraction, clips per second; None when read from the cache.
    """

    features: np.ndarray
    labels: np.ndarray
    files: list[str]
    label_names: tuple[str, ...]
    report: dict
    path: Path | None = None
    extraction_clips_per_s: float | None = None

    def __len__(self) -> int:
        return int(self.labels.size)


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:  # missing or a dangling link: the clip is skipped (and reported) later
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def _fingerprint(index: DatasetIndex, clips: list[Clip]) -> list:
    rows = []
    for c in clips:
        if c.path:
            rows.append((c.path, c.label, *_stat(index.root / c.path)))
        else:
            rows.append((f"{c.label}#{c.silence_index}", c.label, 0, 0))
    for rel in index.background_files:
        rows.append((rel, "background", *_stat(index.root / rel)))
    return rows


def cache_key(
    index: DatasetIndex,
    clips: list[Clip],
    cfg: FeatureConfig,
    augment: AugmentConfig | None,
    copies: int,
    seed: int,
) -> str:
    """The cache key of a split's features: everything they depend on.

    Parameters
    ----------
    index : DatasetIndex
        The dataset (its labels).
    clips : list of Clip
        The split's clips (their files' fingerprint).
    cfg : FeatureConfig
        Front-end settings.
    augment : AugmentConfig or None
        Augmentation settings; None: no augmentation.
    copies : int
        Augmented copies per clip.
    seed : int
        Seed of the augmentation.

    Returns
    -------
    str
        24 hex digits of the SHA-256 of the cache version, settings, labels and files.
    """
    spec = {
        "version": CACHE_VERSION,
        "features": cfg.as_dict(),
        "labels": list(index.labels),
        "augment": augment.as_dict() if augment else None,
        "copies": copies,
        "seed": seed,
        "files": _fingerprint(index, clips),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:24]


def _load_backgrounds(root: str, files: list[str], sample_rate_hz: int) -> list[np.ndarray]:
    report, out = AudioReport(), []
    for rel in files:
        try:
            out.append(read_wav(Path(root) / rel, report, sample_rate_hz, n_samples=None))
        except AudioError:
            continue  # an unreadable background is counted where the index is reported
    return out


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(1)


def _init_worker(parent_pid: int) -> None:
    """A worker dies with the process that started it (SIGKILL or SIGTERM of the parent
    would otherwise leave it running, parented to init): on Linux the kernel kills it
    (PR_SET_PDEATHSIG); elsewhere, and for a parent gone before this ran, a thread that
    watches the parent does. Each worker uses one BLAS thread: with one per core, more
    would oversubscribe the cores (measured on 2 cores: 2 workers x 2 BLAS threads run
    slower than 1 worker)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    # Ctrl-C reaches the whole process group: the parent handles it (and the workers then
    # stop with it) rather than every worker printing its own KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threadpool_limits(1)


def _extract_chunk(args) -> tuple[np.ndarray, np.ndarray, list[str], AudioReport]:
    """Worker: read, augment and featurise a chunk of clips."""
    root, clips, label_names, cfg, augment, copies, seed, background_files = args
    extractor = FeatureExtractor(cfg)
    rate = cfg.sample_rate_hz
    backgrounds = _load_backgrounds(root, background_files, rate) if background_files else []
    report = AudioReport()
    audio, labels, files = [], [], []
    for clip in clips:
        key = clip_key(clip.path, clip.silence_index)
        if clip.path:
            try:
                clean = read_wav(Path(root) / clip.path, report, rate, cfg.clip_samples)
            except AudioError as err:
                report.skipped.append((clip.path, str(err)))
                continue
        for copy in range(copies):
            rng = clip_rng(seed, copy, key)
            if not clip.path:
                silence_cfg = augment or AugmentConfig()
                audio.append(silence_clip(rng, backgrounds, silence_cfg, cfg.clip_samples))
            elif augment is not None:
                audio.append(augment_clip(clean, rng, backgrounds, augment, rate))
            else:
                audio.append(clean)
            labels.append(label_names.index(clip.label))
            files.append(clip.path or f"{clip.label}#{clip.silence_index}")
    feats = extractor(np.stack(audio)) if audio else np.empty((0, *cfg.shape), np.float32)
    return feats, np.asarray(labels, np.int16), files, report


def extract_features(
    index: DatasetIndex,
    split: str,
    cfg: FeatureConfig | None = None,
    cache_dir: str | Path | None = None,
    augment: AugmentConfig | None = None,
    copies: int = 1,
    seed: int = 0,
    workers: int = 2,
    progress: bool = True,
) -> FeatureSet:
    """Features of ``index.split(split)``: from the cache when present and valid, else
    computed (``workers`` processes) and cached.

    With ``augment``, ``copies`` augmented versions of every clip (copy k of a clip always
    gets the same augmentation).

    Parameters
    ----------
    index : DatasetIndex
        The dataset.
    split : str
        Split name (``DatasetIndex.split``).
    cfg : FeatureConfig or None
        Front-end settings; None: the defaults.
    cache_dir : str or pathlib.Path or None
        Folder of the feature cache; None: not cached.
    augment : AugmentConfig or None
        Augmentation settings; None: no augmentation.
    copies : int
        Versions of every clip, >= 1.
    seed : int
        Seed of the augmentation.
    workers : int
        Extraction processes (one when running inside a daemonic worker).
    progress : bool
        Show a progress bar.

    Returns
    -------
    FeatureSet
        The split's features.

    Raises
    ------
    ValueError
        ``copies`` is not an integer >= 1, or the split has no clips.
    """
    cfg = cfg or FeatureConfig()
    if not (isinstance(copies, int) and copies >= 1):
        raise ValueError(f"copies={copies!r}: expected an integer >= 1")
    clips = index.split(split)
    if not clips:
        raise ValueError(f"{index.root}: split {split!r} has no clips")
    key = cache_key(index, clips, cfg, augment, copies, seed)
    final = Path(cache_dir) / f"{split}-{key}" if cache_dir is not None else None
    if cache_dir is not None:
        clean_debris(cache_dir)  # temporaries of an extraction killed mid-write
    if final is not None and (final / "meta.json").is_file():
        return load_feature_set(final)

    needs_background = augment is not None or any(not c.path for c in clips)
    background = index.background_files if needs_background else []
    chunks = [clips[k : k + _CHUNK] for k in range(0, len(clips), _CHUNK)]
    jobs = [
        (str(index.root), chunk, index.labels, cfg, augment, copies, seed, background)
        for chunk in chunks
    ]
    start = time.perf_counter()
    bar = progress_bar(total=len(clips), desc=f"features {split}", unit="clip", enabled=progress)
    results = []
    # A daemonic process (a Dask or multiprocessing worker) may not start children: then
    # the chunks run here, one after another.
    if workers > 1 and len(jobs) > 1 and not multiprocessing.current_process().daemon:
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(os.getpid(),)
        )
        try:
            for res, chunk in zip(pool.map(_extract_chunk, jobs), chunks, strict=True):
                results.append(res)
                bar.update(len(chunk))
        except BaseException:
            # Ctrl-C or an error: drop the queued chunks instead of computing them all.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    else:
        for job, chunk in zip(jobs, chunks, strict=True):
            results.append(_extract_chunk(job))
            bar.update(len(chunk))
    bar.close()
    elapsed = time.perf_counter() - start
    report = AudioReport()
    for res in results:
        report.merge(res[3])
    features = np.concatenate([r[0] for r in results])
    labels = np.concatenate([r[1] for r in results])
    files = [f for r in results for f in r[2]]
    fset = FeatureSet(
        features, labels, files, index.labels, report.as_dict(), None, len(clips) / elapsed
    )
    if final is not None:
        fset.path = _write_atomically(final, fset, cfg, split, index)
    return fset


def _write_atomically(
    final: Path, fset: FeatureSet, cfg: FeatureConfig, split: str, index: DatasetIndex
) -> Path:
    with atomic_dir(final) as tmp:
        np.save(tmp / "features.npy", fset.features)
        np.save(tmp / "labels.npy", fset.labels)
        meta = {
            "version": CACHE_VERSION,
            "split": split,
            "root": str(index.root),
            "layout": index.layout,
            "task": index.task,
            "labels": list(fset.label_names),
            "features": cfg.as_dict(),
            "files": fset.files,
            "report": fset.report,
            "extraction_clips_per_s": fset.extraction_clips_per_s,
        }
        (tmp / "meta.json").write_text(json.dumps(meta))
    return final


_META_KEYS = ("version", "split", "labels", "files", "report")
# Largest feature magnitude accepted anywhere: MFCCs are log energies (tens to hundreds);
# far larger values are not features, and their squares overflow the scaler's statistics.
MAX_FEATURE = 1e12
_SCAN_ROWS = 4096  # rows of features checked at a time (a memory-mapped file stays so)


def load_feature_set(path: str | Path) -> FeatureSet:
    """Open a cached feature set (features memory-mapped), every part checked: meta.json
    with its keys, features float32 (n, frames, coefficients) and finite, labels integer
    indices into the entry's label names, one file name per row.

    Parameters
    ----------
    path : str or pathlib.Path
        The cache entry's folder.

    Returns
    -------
    FeatureSet

    Raises
    ------
    ValueError
        Naming the folder and the part, and saying to delete the folder (the features are
        then computed again).
    """
    path = Path(path)
    remedy = f"delete that folder ({path}) and the features are computed again"
    try:
        meta = read_json(path / "meta.json", required=_META_KEYS, remedy=remedy)
        names = meta["labels"]
        if not (isinstance(names, list) and names and all(isinstance(x, str) for x in names)):
            raise file_error(path / "meta.json", "labels", repr(names)[:80], "class names", remedy)
        files = meta["files"]
        if not (isinstance(files, list) and all(isinstance(x, str) for x in files)):
            raise file_error(
                path / "meta.json", "files", type(files).__name__, "file names", remedy
            )
        if not isinstance(meta["report"], dict):
            raise file_error(
                path / "meta.json", "report", repr(meta["report"])[:80], "a table", remedy
            )
        features = np.load(path / "features.npy", mmap_mode="r")
        labels = np.load(path / "labels.npy")
    except (OSError, ValueError) as err:
        if str(err).startswith(str(path)):
            raise
        raise ValueError(f"{path}: not a readable feature cache ({err}); {remedy}") from None
    n = len(files)
    check_array(
        path / "labels.npy",
        "labels",
        labels,
        kind="i",
        shape=(n,),
        lo=0,
        hi=len(names) - 1,
        remedy=remedy,
    )
    if features.dtype != np.float32 or features.ndim != 3 or features.shape[0] != n:
        raise file_error(
            path / "features.npy",
            "features",
            f"{features.dtype} {features.shape}",
            f"float32 (n={n}, frames, coefficients), one row per file of meta.json",
            remedy,
        )
    for start in range(0, n, _SCAN_ROWS):
        check_array(
            path / "features.npy",
            f"features[{start}:]",
            features[start : start + _SCAN_ROWS],
            lo=-MAX_FEATURE,
            hi=MAX_FEATURE,
            remedy=remedy,
        )
    return FeatureSet(
        features,
        labels.astype(np.int16, copy=False),
        files,
        tuple(names),
        meta["report"],
        path,
        meta.get("extraction_clips_per_s"),
    )

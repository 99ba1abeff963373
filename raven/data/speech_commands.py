"""Google Speech Commands (GSC): words, layouts, the official split and clip indexing.

Warden, "Speech Commands", arXiv:1804.03209 (2018). Three layouts are recognised:

- ``full``: the released dataset, one folder per word plus ``_background_noise_/``; the
  12-class task keeps the 10 keywords, samples ``_unknown_`` from the other words and makes
  ``_silence_`` from the background noise; the 35-class task (30 for v0.01) keeps every word;
- ``testset``: the official test-set layout, 12 label folders including ``_silence_`` and
  ``_unknown_`` (as in the released test archive);
- ``folder``: any ``<label>/<clip>.wav`` tree a user brings (labels are the folder names).

Splits come from ``validation_list.txt`` / ``testing_list.txt`` when present, otherwise from
the hash rule ``which_set`` (the speaker, the name before ``_nohash_``, decides), or with
``split_source="all"`` every clip is test data.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

KEYWORDS_12 = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
SILENCE = "_silence_"
UNKNOWN = "_unknown_"
BACKGROUND = "_background_noise_"
LABELS_12 = (SILENCE, UNKNOWN, *KEYWORDS_12)
WORDS_V1 = (
    *KEYWORDS_12,
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "bed",
    "bird",
    "cat",
    "dog",
    "happy",
    "house",
    "marvin",
    "sheila",
    "tree",
    "wow",
)
WORDS_V2 = (*WORDS_V1, "backward", "forward", "follow", "learn", "visual")
SPLITS = ("training", "validation", "testing")
MAX_NUM_WAVS_PER_CLASS = 2**27 - 1  # as in the dataset's reference code
_NOHASH = re.compile(r"_nohash_.*$")


def speaker_of(filename: str) -> str:
    """The speaker hash: the file name before ``_nohash_`` (the whole stem otherwise).

    Parameters
    ----------
    filename : str
        A clip's file name or path.

    Returns
    -------
    str
        The speaker's identifier.
    """
    return _NOHASH.sub("", Path(filename).name)


def which_set(
    filename: str, validation_percentage: float = 10.0, testing_percentage: float = 10.0
) -> str:
    """'training', 'validation' or 'testing' for a clip, from the SHA-1 of its speaker, so
    that all clips of a speaker land in the same split (the dataset's own rule).

    Parameters
    ----------
    filename : str
        The clip's file name or path.
    validation_percentage, testing_percentage : float
        Shares of the validation and test splits, percent.

    Returns
    -------
    str
        The split's name.
    """
    hashed = hashlib.sha1(speaker_of(filename).encode("utf-8")).hexdigest()
    percentage = (int(hashed, 16) % (MAX_NUM_WAVS_PER_CLASS + 1)) * (100.0 / MAX_NUM_WAVS_PER_CLASS)
    if percentage < validation_percentage:
        return "validation"
    if percentage < testing_percentage + validation_percentage:
        return "testing"
    return "training"


@dataclass(frozen=True, slots=True)
class Clip:
    """One example.

    Attributes
    ----------
    path : str
        Path relative to the dataset root; "" for a generated silence clip.
    label : str
        The clip's label.
    split : str
        "training", "validation" or "testing".
    silence_index : int
        Index of a silence clip, which seeds its noise; -1 for a real clip.
    """

    path: str
    label: str
    split: str
    silence_index: int = -1


@dataclass
class DatasetIndex:
    """An indexed dataset folder: its layout, labels, every clip with its label and split, and
    the background recordings.

    Attributes
    ----------
    root : pathlib.Path
        The dataset folder.
    layout : str
        "full" (word folders of the full dataset), "testset" (folders with silence and
        unknown) or "folder" (any folder of ``<label>/<clip>.wav``).
    task : str
        "12", "35" or "folder".
    labels : tuple of str
        Class names, in class-index order.
    clips : list of Clip
        Every clip.
    background_files : list of str
        Background noise recordings, relative to ``root``.
    notes : dict
        How the index was made (split source, scan counts, listed but missing files).
    """

    root: Path
    layout: str
    task: str
    labels: tuple[str, ...]
    clips: list[Clip]
    background_files: list[str] = field(default_factory=list)
    notes: dict = field(default_factory=dict)

    def split(self, name: str) -> list[Clip]:
        """The clips of one split.

        Parameters
        ----------
        name : str
            "training", "validation", "testing", or "all".

        Returns
        -------
        list of Clip
            The split's clips, in index order.

        Raises
        ------
        ValueError
            An unknown split.
        """
        if name not in (*SPLITS, "all"):
            raise ValueError(f"split={name!r}: expected one of {(*SPLITS, 'all')}")
        return list(self.clips) if name == "all" else [c for c in self.clips if c.split == name]

    def counts(self) -> dict[str, dict[str, int]]:
        """Clips per split and label.

        Returns
        -------
        dict of str to dict of str to int
            ``counts()[split][label]``.
        """
        out: dict[str, dict[str, int]] = {}
        for c in self.clips:
            out.setdefault(c.split, {}).setdefault(c.label, 0)
            out[c.split][c.label] += 1
        return out

    def label_index(self, label: str) -> int:
        """Class index of a label.

        Parameters
        ----------
        label : str
            One of ``labels``.

        Returns
        -------
        int
            Its position in ``labels``.

        Raises
        ------
        ValueError
            A label not in ``labels``.
        """
        return self.labels.index(label)


def _read_list(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    return {
        line.strip().replace("\\", "/") for line in path.read_text().splitlines() if line.strip()
    }


def _audio_folders(root: Path, notes: dict | None = None) -> dict[str, list[str]]:
    """Label folder -> its .wav names. Files that are not .wav and folders without any
    are not used; ``notes`` counts and names them (nothing is dropped unsaid)."""
    folders, ignored, empty = {}, [], []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if sub.name == BACKGROUND or sub.name.startswith("."):
            continue
        wavs, others = [], []
        for f in sorted(sub.iterdir()):
            if f.name.startswith("."):
                continue
            (wavs if f.suffix.lower() == ".wav" else others).append(f.name)
        ignored += [f"{sub.name}/{name}" for name in others]
        if wavs:
            folders[sub.name] = wavs
        else:
            empty.append(sub.name)
    if notes is not None:
        notes["ignored_files"] = {"count": len(ignored), "first": ignored[:10]}
        notes["folders_without_wav"] = empty
    return folders


def detect_layout(folders: dict[str, list[str]]) -> str:
    """Which layout a dataset folder has, from its label folders.

    Parameters
    ----------
    folders : dict of str to list of str
        Clip file names by label folder.

    Returns
    -------
    str
        "testset" (silence and unknown folders), "full" (the 12-task keywords among only
        words of the full dataset, more than 12 of them) or "folder".
    """
    names = set(folders)
    if {SILENCE, UNKNOWN} <= names:
        return "testset"
    if set(KEYWORDS_12) <= names and len(names - set(WORDS_V2)) == 0 and len(names) > 12:
        return "full"
    return "folder"


def index_dataset(
    root: str | Path,
    task: str = "12",
    split_source: str = "auto",
    silence_percentage: float = 10.0,
    unknown_percentage: float = 10.0,
    validation_percentage: float = 10.0,
    testing_percentage: float = 10.0,
    seed: int = 0,
) -> DatasetIndex:
    """Index a dataset folder: every clip with its label and split.

    Parameters
    ----------
    root : str or pathlib.Path
        The dataset folder.
    task : str
        "12" (10 keywords + silence + unknown), "35" (every word of the full dataset) or
        "folder" (the folder names, whatever they are).
    split_source : str
        "auto" (the official lists when present, else the hash rule), "lists", "hash" or
        "all" (every clip is test data).
    silence_percentage, unknown_percentage : float
        Silence clips added and unknown clips kept per split (task "12" on the full
        dataset), percent of its keyword clips, in [0, 100].
    validation_percentage, testing_percentage : float
        Split shares of the hash rule, percent, in [0, 100].
    seed : int
        Seed of the choice of unknown clips.

    Returns
    -------
    DatasetIndex
        The index.

    Raises
    ------
    ValueError
        A missing folder, no audio clips, an invalid argument, missing lists with
        ``split_source="lists"``, or folders that are not labels of the task.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(
            f"data directory {root} does not exist (expected a Speech Commands"
            " folder or a folder of <label>/<clip>.wav)"
        )
    if task not in ("12", "35", "folder"):
        raise ValueError(f"task={task!r}: expected '12', '35' or 'folder'")
    if split_source not in ("auto", "lists", "hash", "all"):
        raise ValueError(
            f"split_source={split_source!r}: expected 'auto', 'lists', 'hash' or 'all'"
        )
    for name, value in (
        ("silence_percentage", silence_percentage),
        ("unknown_percentage", unknown_percentage),
        ("validation_percentage", validation_percentage),
        ("testing_percentage", testing_percentage),
    ):
        if not 0.0 <= value <= 100.0:
            raise ValueError(f"{name}={value!r}: expected a percentage in [0, 100]")
    scan: dict = {}
    folders = _audio_folders(root, scan)
    if not folders:
        raise ValueError(f"{root}: no audio clips found (expected <label>/<clip>.wav files)")
    layout = detect_layout(folders)
    validation = _read_list(root / "validation_list.txt")
    testing = _read_list(root / "testing_list.txt")
    if split_source == "lists" and not (validation or testing):
        raise ValueError(
            f"{root}: split_source='lists' but validation_list.txt and"
            " testing_list.txt are missing or empty"
        )
    use_lists = split_source in ("auto", "lists") and bool(validation or testing)

    def split_of(rel: str) -> str:
        if split_source == "all":
            return "testing"
        if use_lists:
            return (
                "validation" if rel in validation else "testing" if rel in testing else ("training")
            )
        return which_set(rel, validation_percentage, testing_percentage)

    notes = {"split_source": "all" if split_source == "all" else ("lists" if use_lists else "hash")}
    notes |= scan
    background = []
    if (root / BACKGROUND).is_dir():
        background = sorted(
            f"{BACKGROUND}/{f.name}"
            for f in (root / BACKGROUND).iterdir()
            if f.suffix.lower() == ".wav"
        )
    all_paths = {f"{label}/{name}" for label, names in folders.items() for name in names}
    listed = validation | testing
    notes["listed_but_missing"] = len(listed - all_paths) if use_lists else 0

    if layout == "full" and task == "12":
        clips, labels = _full_12(
            folders, split_of, background, silence_percentage, unknown_percentage, seed, notes
        )
    else:
        if task == "12" and layout == "folder":
            raise ValueError(
                f"{root}: task '12' needs a Speech Commands layout (word folders"
                f" with the 10 keywords, or {SILENCE}/{UNKNOWN} folders); found"
                f" folders {sorted(folders)[:8]}...; use task='folder'"
            )
        labels = tuple(LABELS_12) if task == "12" else tuple(sorted(folders))
        unexpected = sorted(set(folders) - set(labels))
        if unexpected:
            raise ValueError(f"{root}: folders {unexpected} are not labels of task {task!r}")
        clips = [
            Clip(f"{label}/{name}", label, split_of(f"{label}/{name}"))
            for label in sorted(folders)
            for name in folders[label]
        ]
    return DatasetIndex(root, layout, task, labels, clips, background, notes)


def _full_12(folders, split_of, background, silence_percentage, unknown_percentage, seed, notes):
    """Keywords as they are; per split, unknown clips sampled from the other words and
    silence clips generated from background noise, each a percentage of the keyword clips
    (the dataset's reference recipe)."""
    rng = np.random.default_rng(seed)
    keyword, unknown = {s: [] for s in SPLITS}, {s: [] for s in SPLITS}
    for label in sorted(folders):
        for name in folders[label]:
            rel = f"{label}/{name}"
            split = split_of(rel)
            if label in KEYWORDS_12:
                keyword[split].append(Clip(rel, label, split))
            else:
                unknown[split].append(Clip(rel, UNKNOWN, split))
    clips, silence_index = [], 0
    notes["unknown_available"] = {s: len(unknown[s]) for s in SPLITS}
    for split in SPLITS:
        n_keyword = len(keyword[split])
        n_unknown = min(len(unknown[split]), math.ceil(n_keyword * unknown_percentage / 100))
        order = rng.permutation(len(unknown[split]))
        chosen = [unknown[split][k] for k in sorted(order[:n_unknown])]
        n_silence = math.ceil(n_keyword * silence_percentage / 100) if background else 0
        silence = [Clip("", SILENCE, split, silence_index + k) for k in range(n_silence)]
        silence_index += n_silence
        clips += keyword[split] + chosen + silence
    if silence_percentage > 0 and not background:
        notes["silence"] = f"no {BACKGROUND} folder: no silence clips generated"
    return clips, tuple(LABELS_12)

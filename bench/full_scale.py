"""Projection arithmetic of ``make run-kws`` at full scale: how many clips each stage
processes for given split sizes and run settings, and the wall time that follows from
measured throughputs. No measurement here (bench/projection.py measures).

A stage is a list of work items, each a number of clips and the throughput (clips/s) at
which that kind of work was measured, plus a fixed overhead (seconds that do not grow with
the clip count: loading, compiling, starting). Its projected wall time is the overhead plus
the sum of clips / throughput over its items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from raven.config.validation import setting, validate

# GSC v0.02, 12-class task (ten words + _silence_ + _unknown_), official split lists:
# 85,511 training / 10,102 validation / 4,890 test clips. Source: the project design
# document's keyword-spotting protocol (section 6); dataset: Warden, "Speech Commands",
# arXiv:1804.03209 (2018).
GOAL_S = 3600.0  # the whole of `make run-kws` on the full dataset, on 2 cores


@dataclass(frozen=True)
class SplitSizes:
    """Clips per split of a dataset (a run needs training clips; validation and test splits
    may be empty)."""

    training: int = setting(ge=1)
    validation: int = setting(ge=0)
    testing: int = setting(ge=0)

    def __post_init__(self) -> None:
        validate(self)


FULL_GSC_V002_12 = SplitSizes(training=85_511, validation=10_102, testing=4_890)


@dataclass(frozen=True)
class Work:
    """``clips`` clips of one kind of work, measured at ``clips_per_s``."""

    what: str
    clips: float = setting(ge=0)
    clips_per_s: float = setting(gt=0)

    def __post_init__(self) -> None:
        validate(self, f"Work {self.what!r}")

    @property
    def wall_s(self) -> float:
        return self.clips / self.clips_per_s


def stage_projection(items: list[Work], overhead_s: float = 0.0, note: str = "") -> dict:
    """Projected wall time of one stage: ``overhead_s`` + sum of clips / clips_per_s."""
    if not (math.isfinite(overhead_s) and overhead_s >= 0):
        raise ValueError(f"overhead_s={overhead_s!r}: expected seconds >= 0")
    rows = [
        {"what": w.what, "clips": w.clips, "clips_per_s": w.clips_per_s, "wall_s": w.wall_s}
        for w in items
    ]
    out = {
        "items": rows,
        "overhead_s": overhead_s,
        "wall_s": overhead_s + sum(w.wall_s for w in items),
    }
    return out | ({"note": note} if note else {})


def total_projection(stages: dict[str, dict], goal_s: float = GOAL_S) -> dict:
    """Sum of the stages' projected wall times, against ``goal_s``."""
    total = sum(stage["wall_s"] for stage in stages.values())
    return {
        "stages": stages,
        "total_wall_s": total,
        "goal_s": goal_s,
        "meets_goal": total <= goal_s,
        "largest_stage": max(stages, key=lambda k: stages[k]["wall_s"]) if stages else None,
    }


def makespan_s(durations_s: list[float], workers: int) -> float:
    """Wall time of jobs of ``durations_s`` handed out in that order to ``workers`` workers,
    each job to the first worker free (as a process pool does)."""
    if not (isinstance(workers, int) and workers >= 1):
        raise ValueError(f"workers={workers!r}: expected an integer >= 1")
    free_at = [0.0] * workers
    for duration in durations_s:
        if not (math.isfinite(duration) and duration >= 0):
            raise ValueError(f"duration {duration!r}: expected seconds >= 0")
        k = free_at.index(min(free_at))
        free_at[k] += duration
    return max(free_at)


def feature_clips(sizes: SplitSizes, copies: int) -> dict[str, int]:
    """Clips the feature extraction processes: every training clip ``copies`` times
    (augmented copies), every validation and test clip once."""
    return {
        "training_copies": sizes.training * copies,
        "validation_and_test": sizes.validation + sizes.testing,
    }


def chip_training_clips(sizes: SplitSizes, epochs: int) -> dict[str, int]:
    """On-chip training: ``epochs`` passes over the training clips, and the validation
    split read once at the end of every epoch."""
    return {"training": epochs * sizes.training, "validation": epochs * sizes.validation}


def ceiling_clips(sizes: SplitSizes, max_epochs: int) -> dict[str, int]:
    """The temporal ceiling at most: spike trains encoded for ``max_epochs`` training
    epochs and the validation and test splits, ``max_epochs`` BPTT epochs, validation and
    test read after every epoch and the test split once more with the kept weights."""
    return {
        "encoded": max_epochs * sizes.training + sizes.validation + sizes.testing,
        "training": max_epochs * sizes.training,
        "evaluation": max_epochs * (sizes.validation + sizes.testing) + sizes.testing,
    }


def baseline_clips(sizes: SplitSizes, training_clips: int, checks: int) -> dict[str, int]:
    """One DNN baseline at most: ``training_clips`` clips trained on, validation and test
    read at each of ``checks`` checks, the test split once more with the kept weights."""
    return {
        "training": training_clips,
        "evaluation": checks * (sizes.validation + sizes.testing) + sizes.testing,
    }

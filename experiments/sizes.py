"""Raven at several sizes for ``make run-kws``: the configured network is the main run; each
other hidden-layer size trains on chip into ``runs/<name>/size-<n>/`` and is evaluated on
the test split at the first evaluation time (1 s after training by default), so that the
report can set Raven's accuracy-cost curve beside the DNN families'. A size whose chip and
evaluation exist is reused, not retrained; an interrupted size resumes from its
checkpoint."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from raven._util.atomic import atomic_write
from raven.accounting.energy import chip_profile
from raven.accounting.ledger import ledger_from_summary
from raven.chip.architecture import architecture_of
from raven.chip.store import load_chip
from raven.compare.comparison import raven_curve
from raven.compare.frontier import raven_point
from raven.config.tables import RavenConfig
from raven.fit.loop import CHECKPOINT
from raven.report.report import training_price
from raven.runs.evaluate import evaluate
from raven.runs.train import FINAL, train

EVALUATION = "evaluation.json"  # a size's test evaluation, reused by a later run


def hidden_size(cfg: RavenConfig) -> int:
    """The hidden-layer size of the configured architecture."""
    return architecture_of(cfg).hidden_size(cfg)


def with_hidden_size(cfg: RavenConfig, n_hidden: int) -> RavenConfig:
    """``cfg`` with the configured architecture's hidden layer resized."""
    return architecture_of(cfg).with_hidden_size(cfg, n_hidden)


def curve_sizes(cfg: RavenConfig) -> tuple[int, ...]:
    """Half, once and twice the configured hidden size: the accuracy-cost curve of
    ``make run-kws SIZES=...`` (the default run trains the configured size only)."""
    n = hidden_size(cfg)
    return tuple(sorted({max(1, n // 2), n, 2 * n}))


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"64,128,256"`` -> (64, 128, 256); ``"none"``: the configured size only."""
    if text.strip().lower() == "none":
        return ()
    sizes = []
    for item in text.split(","):
        try:
            n = int(item)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(
                f"--sizes={text!r}: {item!r} is not a hidden-layer size; expected"
                " comma-separated integers >= 1 (e.g. 64,128,256) or 'none'"
            )
        sizes.append(n)
    return tuple(sorted(set(sizes)))


def price_evaluation(evaluation: dict, chip, profile: str, power_gated: bool) -> dict:
    """``evaluation`` with its ledger priced by the named chip profile and duty cycling."""
    summary = ledger_from_summary(evaluation["ledger"]).summary(
        chip_profile(profile),
        chip.params.energy,
        chip.params.read_noise.t_read_s,
        chip.cfg.device.clip_period_s,
        power_gated=power_gated,
    )
    return evaluation | {
        "ledger": summary,
        "energy_per_clip_J": summary["energy_per_clip_J"],
        "power_uW": summary["power_uW"],
    }


def point_of(n_hidden: int, evaluation: dict, training: dict, price) -> dict:
    """Raven's accuracy-cost point of a trained and evaluated size (priced evaluation)."""
    return raven_point(
        n_hidden,
        evaluation["accuracy"],
        evaluation["ledger"],
        raven_curve(training["curve"], price),
        training["clips_per_s"],
    )


def _evaluation_key(data: Path, t_after_s: float) -> dict:
    return {"data": str(Path(data).resolve()), "split": "test", "t_after_s": t_after_s}


def _cached_evaluation(folder: Path, key: dict) -> dict | None:
    path = folder / EVALUATION
    if not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # unreadable: evaluated again and rewritten
    return stored["evaluation"] if stored.get("key") == key else None


def run_size(
    cfg: RavenConfig,
    data: Path,
    folder: Path,
    cache_dir: Path,
    profile: str = "pcm45",
    power_gated: bool = True,
) -> dict:
    """Train ``cfg`` into ``folder`` (resuming a checkpoint; a finished chip is reused) and
    evaluate it on the test split at ``cfg.training.eval_times_s[0]`` with drift
    compensation (an evaluation of the same data and time is reused)."""
    started = time.perf_counter()
    trained_now = not (folder / FINAL).is_file()
    if not trained_now:
        chip, _ = load_chip(folder / FINAL, remedy=f"delete {folder} to train this size again")
        if chip.cfg != cfg:
            raise ValueError(
                f"{folder}: trained with another configuration than this run's at"
                f" n_hidden={hidden_size(cfg)} (see {folder / 'config.json'}); delete the"
                " folder to train this size again"
            )
        training = json.loads((folder / "training.json").read_text())
    else:
        resume = (folder / CHECKPOINT).is_file()
        print(
            f"{folder}: {'resuming' if resume else 'training'} n_hidden={hidden_size(cfg)}",
            file=sys.stderr,
        )
        training = train(cfg, data, folder, resume=resume, cache_dir=cache_dir)
        chip, _ = load_chip(folder / FINAL)
    t_after = cfg.training.eval_times_s[0]
    key = _evaluation_key(data, t_after)
    # A chip trained now makes any earlier evaluation in its folder stale.
    evaluation = None if trained_now else _cached_evaluation(folder, key)
    evaluated_now = evaluation is None
    if evaluated_now:
        evaluation = evaluate(folder, data, "test", t_after, compensation=True, cache_dir=cache_dir)
        evaluation.pop("audio_report")  # the main run's report carries the data's
        atomic_write(
            folder / EVALUATION,
            json.dumps({"key": key, "evaluation": evaluation}, indent=2, default=float),
        )
    print(
        f"{folder}: test accuracy {evaluation['accuracy']:.4f} at t_after={t_after:g} s"
        f"{'' if evaluated_now else ' (reused)'}",
        file=sys.stderr,
    )
    evaluation = price_evaluation(evaluation, chip, profile, power_gated)
    price = training_price(chip, profile, power_gated)
    n = hidden_size(cfg)
    return {
        "n_hidden": n,
        "folder": folder.name,
        "trained_now": trained_now,
        "evaluated_now": evaluated_now,
        "wall_time_s": time.perf_counter() - started,
        "training": {
            k: training[k] for k in ("curve", "training_clips", "wall_time_s", "clips_per_s")
        },
        "evaluation": {
            k: evaluation[k]
            for k in ("accuracy", "n_clips", "t_after_s", "drift_compensation", "clips_per_s")
        }
        | {"energy_per_clip_J": evaluation["energy_per_clip_J"]},
        "point": point_of(n, evaluation, training, price),
    }


def run_sizes(
    cfg: RavenConfig,
    data: Path,
    run: Path,
    sizes: tuple[int, ...],
    cache_dir: Path,
    profile: str = "pcm45",
    power_gated: bool = True,
) -> list[dict]:
    """``run_size`` for every size but the configured one (the main run), into
    ``run/size-<n>/``."""
    main = hidden_size(cfg)
    return [
        run_size(with_hidden_size(cfg, n), data, run / f"size-{n}", cache_dir, profile, power_gated)
        for n in sizes
        if n != main
    ]

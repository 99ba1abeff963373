"""Train the baseline families by backpropagation on the same data, features, augmentation
and split as Raven, with early stopping on the validation split and fixed seeds."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .._util.progress import progress_bar
from ..config.validation import setting, validate
from .cache import SCHEMA, array_fingerprint, cached_baseline, code_version
from .counting import (
    energy_per_inference_J,
    energy_per_training_sample_J,
    gate_multiplies_per_inference,
    inference_macs,
    parameter_count,
    price_table,
    training_macs_per_sample,
    weights_bytes_fp32,
)
from .models import READOUTS, make_model
from .results import CURVE_KEYS, RESULT_KEYS, BaselineResult  # noqa: F401 (importable here)


@dataclass(frozen=True, slots=True)
class BaselineConfig:
    """Training settings of a baseline.

    Validation is checked at the end of every pass over the training clips and, with
    ``check_every_clips``, also every that many training clips within a pass (on a large
    training set a pass is too coarse a unit to notice a plateau). Training stops after
    ``patience`` checks without a new best validation accuracy, after ``max_epochs``
    passes, or once ``max_training_clips`` clips have been seen (None: no such budget),
    whichever comes first; the weights of the best check are kept.

    Attributes
    ----------
    max_epochs : int
        Most passes over the training clips, >= 1.
    patience : int
        Checks without a new best validation accuracy before stopping, >= 1.
    batch_size : int
        Clips per Adam step, >= 1.
    lr : float
        Adam learning rate, >= 0.
    weight_decay : float
        Adam weight decay, >= 0.
    seed : int
        Seed of the initial weights and the batch order, >= 0.
    recurrent_readout : str
        Readout of the recurrent families: "mean" or "last".
    check_every_clips : int or None
        Also check validation every that many training clips within a pass, >= 1.
    max_training_clips : int or None
        Budget of training clips, >= 1; None: no budget.
    threads : int
        Torch threads of the training, >= 1 (execution only: not part of the cache key).

    Raises
    ------
    ValueError
        A setting out of its range.
    """

    max_epochs: int = setting(40, ge=1)
    # Checks without a new best validation accuracy before stopping: one validation clip
    # is ~0.3 % on a few hundred clips, so a few checks of noise must not end training.
    patience: int = setting(6, ge=1)
    batch_size: int = setting(64, ge=1)
    lr: float = setting(1e-3, ge=0)
    weight_decay: float = setting(1e-4, ge=0)
    seed: int = setting(0, ge=0)
    # "mean" beat "last" on gsc12-dev validation: GRU-32 0.76 vs 0.71, LSTM-32 0.73 vs 0.53
    recurrent_readout: str = setting("mean", choices=READOUTS)
    check_every_clips: int | None = setting(None, ge=1)
    max_training_clips: int | None = setting(None, ge=1)
    # Execution only: not part of a cached result's key.
    threads: int = setting(2, ge=1)

    def __post_init__(self) -> None:
        validate(self)

    def key(self) -> dict:
        """The settings a result depends on.

        Returns
        -------
        dict
            Every field but ``threads``.
        """
        out = dataclasses.asdict(self)
        del out["threads"]
        return out


def training_clip_budget(n_train: int, cfg: BaselineConfig) -> int:
    """Most training clips a run may see: ``max_epochs`` passes over ``n_train`` clips,
    capped by ``cfg.max_training_clips``.

    Parameters
    ----------
    n_train : int
        Training clips, an integer >= 1.
    cfg : BaselineConfig
        Training settings.

    Returns
    -------
    int
        The budget, in clips.

    Raises
    ------
    ValueError
        ``n_train`` is not an integer >= 1.
    """
    if not (isinstance(n_train, int) and n_train >= 1):
        raise ValueError(f"n_train={n_train!r}: expected an integer >= 1")
    passes = cfg.max_epochs * n_train
    return passes if cfg.max_training_clips is None else min(passes, cfg.max_training_clips)


def check_points(n_train: int, cfg: BaselineConfig) -> list[int]:
    """Training clips seen at each validation check of a run that uses its whole budget
    (``training_clip_budget``): every ``check_every_clips`` clips (rounded up to whole
    batches) within a pass, at the end of every pass and at the end of the budget.

    Parameters
    ----------
    n_train : int
        Training clips, an integer >= 1.
    cfg : BaselineConfig
        Training settings.

    Returns
    -------
    list of int
        Cumulative clips seen at each check, increasing.
    """
    budget = training_clip_budget(n_train, cfg)
    points, seen = [], 0
    while seen < budget:
        in_pass = min(n_train, budget - seen)
        since = 0
        for start in range(0, in_pass, cfg.batch_size):
            step = min(cfg.batch_size, in_pass - start)
            seen += step
            since += step
            last = start + step >= in_pass
            if last or (cfg.check_every_clips is not None and since >= cfg.check_every_clips):
                points.append(seen)
                since = 0
    return points


@dataclass(frozen=True)
class BaselineData:
    """Features and labels a baseline is trained and measured on.

    Attributes
    ----------
    train_x : numpy.ndarray
        Training features, shape (copies, n, frames, coeffs); copy e % copies is used in
        epoch e (the same augmented copies Raven trains on).
    train_y : numpy.ndarray
        Training labels, shape (n,).
    val_x, test_x : numpy.ndarray
        Validation and test features, shape (n, frames, coeffs).
    val_y, test_y : numpy.ndarray
        Their labels, shape (n,).
    n_classes : int
        Number of classes, >= 2; labels are class indices in [0, n_classes).

    Raises
    ------
    ValueError
        Misshapen arrays, an empty split or a label out of range.
    """

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    n_classes: int

    def __post_init__(self) -> None:
        if not (isinstance(self.n_classes, int) and self.n_classes >= 2):
            raise ValueError(f"BaselineData.n_classes={self.n_classes!r}: expected an int >= 2")
        if np.ndim(self.train_x) != 4:
            raise ValueError(
                f"BaselineData.train_x shape {np.shape(self.train_x)}:"
                " expected (copies, n, frames, coeffs)"
            )
        frames_coeffs = np.shape(self.train_x)[2:]
        for split in ("train", "val", "test"):
            x, y = getattr(self, f"{split}_x"), np.asarray(getattr(self, f"{split}_y"))
            if split != "train" and (np.ndim(x) != 3 or np.shape(x)[1:] != frames_coeffs):
                raise ValueError(
                    f"BaselineData.{split}_x shape {np.shape(x)}:"
                    f" expected (n, {frames_coeffs[0]}, {frames_coeffs[1]})"
                )
            n = np.shape(x)[-3]
            if y.shape != (n,) or n == 0:
                raise ValueError(
                    f"BaselineData.{split}_y shape {y.shape}: expected ({n},), one label"
                    f" per clip of {split}_x, at least one clip"
                )
            if y.min() < 0 or y.max() >= self.n_classes:
                raise ValueError(
                    f"BaselineData.{split}_y spans [{y.min()}, {y.max()}]:"
                    f" expected class indices in [0, {self.n_classes})"
                )

    @cached_property
    def fingerprint(self) -> str:
        """sha256 over every array and the class count (``array_fingerprint``), computed once.

        Returns
        -------
        str
            Hexadecimal digest.
        """
        return array_fingerprint(
            {f.name: np.asarray(getattr(self, f.name)) for f in dataclasses.fields(self)}
        )


def curve_entry(
    epoch: int | float,
    val_test_accuracy: tuple[float, float],
    clips_seen: int,
    macs_energy_J_per_clip: tuple[float, float],
    train_eval_wall_s: tuple[float, float],
) -> dict:
    """One learning-curve entry (keys CURVE_KEYS) at a validation check.

    Parameters
    ----------
    epoch : int or float
        Epochs trained at the check (fractional for a check within a pass).
    val_test_accuracy : tuple of (float, float)
        Validation and test accuracy, in [0, 1].
    clips_seen : int
        Training clips seen so far.
    macs_energy_J_per_clip : tuple of (float, float)
        Training MACs and energy (J) per training clip.
    train_eval_wall_s : tuple of (float, float)
        Wall time, s, of the training since the previous check and of this check's
        evaluation.

    Returns
    -------
    dict
        The entry, with cumulative training MACs and energy.
    """
    macs, energy_J = macs_energy_J_per_clip
    return {
        "epoch": epoch,
        "validation_accuracy": val_test_accuracy[0],
        "test_accuracy": val_test_accuracy[1],
        "training_macs_cumulative": macs * clips_seen,
        "training_energy_cumulative_J": energy_J * clips_seen,
        "clips_seen": clips_seen,
        "train_wall_s": train_eval_wall_s[0],
        "eval_wall_s": train_eval_wall_s[1],
    }


def cost_record(macs: int, params: int, samples_seen: int) -> dict:
    """The operation and energy fields of a baseline result (DNN or recurrent SNN ceiling).

    Parameters
    ----------
    macs : int
        Multiply-accumulates of one inference.
    params : int
        Trainable parameters.
    samples_seen : int
        Training samples the run consumed.

    Returns
    -------
    dict
        ``samples_seen``, inference and training MACs, inference and training energy (J):
        keyword arguments of ``BaselineResult``.
    """
    macs_per_sample = training_macs_per_sample(macs, params)
    energy_per_sample_J = energy_per_training_sample_J(macs, params)
    return {
        "samples_seen": samples_seen,
        "inference_macs": macs,
        "training_macs_per_sample": macs_per_sample,
        "training_macs_total": macs_per_sample * samples_seen,
        "inference_energy_J": energy_per_inference_J(macs, params),
        "training_energy_per_sample_J": energy_per_sample_J,
        "training_energy_total_J": energy_per_sample_J * samples_seen,
    }


def _epochs(clips_seen: int, n_train: int) -> int | float:
    """Passes over the training clips: a whole number when it is one."""
    whole, part = divmod(clips_seen, n_train)
    return whole if part == 0 else clips_seen / n_train


# Clips per forward pass of an evaluation. A whole split at once is slower: on one thread,
# 10,102 clips took DS-CNN-64 13 s at once and 3-5 s in chunks of 256 (CNN-32: 3.6 s and
# 1.7 s), the chunk's activations staying in cache. Eval-mode outputs do not depend on
# the chunking (batch norm uses its running statistics).
EVAL_BATCH = 256


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in zip(x.split(EVAL_BATCH), y.split(EVAL_BATCH), strict=True):
            correct += int((model(xb).argmax(1) == yb).sum())
    return correct / y.numel()


def train_baseline(
    family: str,
    width: int,
    data: BaselineData,
    cfg: BaselineConfig | None = None,
    progress: bool = True,
) -> BaselineResult:
    """Train one model and measure it (stopping rule: ``BaselineConfig``).

    The returned ``curve`` has one entry per validation check (keys CURVE_KEYS): accuracies
    at that check, the training cost up to it, and the wall time of the training since the
    previous check and of the check's own evaluation. ``stopped_by`` says what ended the
    run: ``"plateau"`` (``patience`` checks without a new best) or ``"budget"`` (every pass
    or clip allowed was used; the model may still have been improving).

    Parameters
    ----------
    family : str
        A family of ``models.FAMILIES`` (or "snn_rate").
    width : int
        The family's width.
    data : BaselineData
        Training, validation and test features and labels.
    cfg : BaselineConfig or None
        Training settings; None: the defaults.
    progress : bool
        Show a progress bar.

    Returns
    -------
    BaselineResult
        Accuracies of the best check, costs, ``curve``, ``stopped_by``, wall time, and
        ``gate_multiplies_per_inference`` for a recurrent model.
    """
    cfg = cfg or BaselineConfig()
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    frames, coeffs = data.train_x.shape[-2:]
    model = make_model(family, width, frames, coeffs, data.n_classes, cfg.recurrent_readout)
    macs = inference_macs(model, frames, coeffs)
    params = parameter_count(model)
    macs_per_sample = training_macs_per_sample(macs, params)
    energy_per_sample_J = energy_per_training_sample_J(macs, params)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    tx = torch.as_tensor(np.asarray(data.train_x), dtype=torch.float32)
    ty = torch.as_tensor(np.asarray(data.train_y), dtype=torch.long)
    vx = torch.as_tensor(np.asarray(data.val_x), dtype=torch.float32)
    vy = torch.as_tensor(np.asarray(data.val_y), dtype=torch.long)
    ex = torch.as_tensor(np.asarray(data.test_x), dtype=torch.float32)
    ey = torch.as_tensor(np.asarray(data.test_y), dtype=torch.long)
    gen = torch.Generator().manual_seed(cfg.seed)
    n_train = ty.numel()
    checks = check_points(n_train, cfg)
    best = (-1.0, None, 0)  # validation accuracy, weights, check index
    seen = 0
    curve = []
    stopped_by = "budget"
    start = time.perf_counter()
    lap = start
    bar = progress_bar(total=len(checks), desc=f"{family}-{width}", leave=False, enabled=progress)
    epoch = 0
    model.train()
    while len(curve) < len(checks) and stopped_by == "budget":
        x_epoch = tx[epoch % tx.shape[0]]
        # A pass cut short by the budget draws the same permutation as a whole one.
        order = torch.randperm(n_train, generator=gen)[: checks[-1] - seen]
        for idx in order.split(cfg.batch_size):
            opt.zero_grad()
            loss_fn(model(x_epoch[idx]), ty[idx]).backward()
            opt.step()
            seen += idx.numel()
            if seen != checks[len(curve)]:
                continue
            trained = time.perf_counter()
            val = _accuracy(model, vx, vy)
            test = _accuracy(model, ex, ey)
            model.train()
            lap, train_wall_s = time.perf_counter(), trained - lap
            curve.append(
                curve_entry(
                    _epochs(seen, n_train),
                    (val, test),
                    seen,
                    (macs_per_sample, energy_per_sample_J),
                    (train_wall_s, lap - trained),
                )
            )
            bar.update(1)
            check = len(curve) - 1
            if val > best[0]:
                best = (val, {k: v.clone() for k, v in model.state_dict().items()}, check)
            elif check - best[2] >= cfg.patience:
                stopped_by = "plateau"
                break
        epoch += 1
    bar.close()
    model.load_state_dict(best[1])
    return BaselineResult(
        family=family,
        width=width,
        parameters=params,
        weights_bytes_fp32=weights_bytes_fp32(params),
        validation_accuracy=best[0],
        test_accuracy=_accuracy(model, ex, ey),
        best_epoch=curve[best[2]]["epoch"],
        epochs_run=_epochs(seen, n_train),
        best_check=best[2] + 1,
        checks_run=len(curve),
        stopped_by=stopped_by,
        **cost_record(macs, params, seen),
        curve=tuple(curve),
        wall_time_s=time.perf_counter() - start,
        # a feed-forward model has none: left out of the record
        gate_multiplies_per_inference=gate_multiplies_per_inference(model, frames) or None,
    )


def result_key(family: str, width: int, data: BaselineData, cfg: BaselineConfig) -> dict:
    """Everything a baseline result depends on.

    Parameters
    ----------
    family : str
        The model family.
    width : int
        The family's width.
    data : BaselineData
        Training, validation and test features and labels.
    cfg : BaselineConfig
        Training settings.

    Returns
    -------
    dict
        Schema, family, width, settings, data fingerprint, code version and prices.
    """
    return {
        "schema": SCHEMA,
        "family": family,
        "width": width,
        "config": cfg.key(),
        "data": data.fingerprint,
        "code": code_version(),
        "prices": price_table(),
    }


def cached_train_baseline(
    cache_dir: str | Path | None,
    family: str,
    width: int,
    data: BaselineData,
    cfg: BaselineConfig,
    progress: bool = True,
) -> BaselineResult:
    """``train_baseline``, through the on-disk cache in ``cache_dir``.

    Parameters
    ----------
    cache_dir : str or pathlib.Path or None
        Folder of the result cache; None: no cache.
    family : str
        The model family.
    width : int
        The family's width.
    data : BaselineData
        Training, validation and test features and labels.
    cfg : BaselineConfig
        Training settings.
    progress : bool
        Show a progress bar.

    Returns
    -------
    BaselineResult
        The result of ``train_baseline``, its ``from_cache`` saying whether it came from the
        cache.
    """
    return cached_baseline(
        cache_dir,
        f"{family}-{width}",
        lambda: result_key(family, width, data, cfg),
        lambda: train_baseline(family, width, data, cfg, progress),
    )

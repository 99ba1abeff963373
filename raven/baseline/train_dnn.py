"""Train the baseline families by backpropagation on the same data, features, augmentation
and split as Raven, with early stopping on the validation split and fixed seeds."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .counting import (
    energy_per_inference_J,
    energy_per_training_sample_J,
    inference_macs,
    parameter_count,
    training_macs_per_sample,
)
from .models import FAMILIES, make_model


@dataclass(frozen=True, slots=True)
class BaselineConfig:
    max_epochs: int = 40
    patience: int = 6
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    threads: int = 2

    def __post_init__(self) -> None:
        for name in ("max_epochs", "patience", "batch_size", "threads"):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) >= 1):
                raise ValueError(
                    f"BaselineConfig.{name}={getattr(self, name)!r}: expected an integer >= 1"
                )


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def train_baseline(
    family: str,
    width: int,
    train_x: np.ndarray,
    train_y: np.ndarray,
    val_x: np.ndarray,
    val_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    n_classes: int,
    cfg: BaselineConfig | None = None,
    progress: bool = True,
) -> dict:
    """train_x: (copies, n, frames, coeffs) standardised features (copy e % copies is used
    in epoch e, the same augmented copies Raven trains on); val/test: (n, frames, coeffs)."""
    cfg = cfg or BaselineConfig()
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    frames, coeffs = train_x.shape[-2:]
    model = make_model(family, width, frames, coeffs, n_classes)
    macs = inference_macs(model, frames, coeffs)
    params = parameter_count(model)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    tx = torch.as_tensor(np.asarray(train_x), dtype=torch.float32)
    ty = torch.as_tensor(train_y, dtype=torch.long)
    vx, vy = torch.as_tensor(val_x, dtype=torch.float32), torch.as_tensor(val_y)
    ex, ey = torch.as_tensor(test_x, dtype=torch.float32), torch.as_tensor(test_y)
    gen = torch.Generator().manual_seed(cfg.seed)
    best = (-1.0, None, 0)
    seen = 0
    start = time.perf_counter()
    bar = tqdm(
        range(cfg.max_epochs),
        desc=f"{family}-{width}",
        disable=not progress,
        file=sys.stderr,
        leave=False,
    )
    for epoch in bar:
        model.train()
        x_epoch = tx[epoch % tx.shape[0]]
        for idx in torch.randperm(ty.numel(), generator=gen).split(cfg.batch_size):
            opt.zero_grad()
            loss_fn(model(x_epoch[idx]), ty[idx]).backward()
            opt.step()
            seen += idx.numel()
        val = _accuracy(model, vx, vy)
        if val > best[0]:
            best = (val, {k: v.clone() for k, v in model.state_dict().items()}, epoch)
        elif epoch - best[2] >= cfg.patience:
            break
    bar.close()
    model.load_state_dict(best[1])
    return {
        "family": family,
        "width": width,
        "parameters": params,
        "validation_accuracy": best[0],
        "test_accuracy": _accuracy(model, ex, ey),
        "best_epoch": best[2] + 1,
        "samples_seen": seen,
        "inference_macs": macs,
        "training_macs_per_sample": training_macs_per_sample(macs, params),
        "training_macs_total": training_macs_per_sample(macs, params) * seen,
        "inference_energy_J": energy_per_inference_J(macs, params),
        "training_energy_per_sample_J": energy_per_training_sample_J(macs, params),
        "training_energy_total_J": energy_per_training_sample_J(macs, params) * seen,
        "wall_time_s": time.perf_counter() - start,
    }


def sweep(
    train_x,
    train_y,
    val_x,
    val_y,
    test_x,
    test_y,
    n_classes: int,
    families: dict[str, tuple[int, ...]] | None = None,
    cfg: BaselineConfig | None = None,
    progress: bool = True,
) -> list[dict]:
    families = families or FAMILIES
    return [
        train_baseline(
            f, w, train_x, train_y, val_x, val_y, test_x, test_y, n_classes, cfg, progress
        )
        for f, widths in families.items()
        for w in widths
    ]

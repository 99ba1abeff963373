"""Synthetic data for the DNN baselines (imports torch through ``raven.baseline``: only the
baseline tests, which skip without torch, import this module)."""

import numpy as np

from raven.baseline.train import BaselineData


def separable_data(n=120, classes=3, seed=0, frames=49, coeffs=10):
    """Clips scattered around one random centre per class; 2/3 training, 1/6 val, 1/6 test."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    centres = rng.normal(0, 1, (classes, frames, coeffs)).astype(np.float32)
    x = centres[labels] + 0.3 * rng.normal(size=(n, frames, coeffs)).astype(np.float32)
    a, b = 2 * n // 3, 5 * n // 6
    return BaselineData(
        x[None, :a], labels[:a], x[a:b], labels[a:b], x[b:], labels[b:], n_classes=classes
    )

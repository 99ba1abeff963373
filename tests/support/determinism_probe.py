"""Run every kernel once on a fixed workload and print a digest of all results as JSON.

Used by tests/kernels/test_kernels_determinism.py under different NUMBA_NUM_THREADS and with
NUMBA_DISABLE_JIT=1; ``--tiny`` shrinks the workload for the interpreted run.
"""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np

from devices import pcm
from kernels import crossbar, update
from kernels.neurons import LIFParams, LIFState, lif_run
from kernels.tile import DifferentialTile


def run(n_in: int, n_out: int, batch: int) -> dict:
    digest = {}
    for preset in sorted(pcm.PRESETS):
        tile = DifferentialTile(n_in, n_out, pcm.preset(preset), rng=1)
        rng = np.random.default_rng(2)
        tile.program_weights(rng.uniform(-1, 1, (n_in, n_out)), 0.0)
        x = rng.uniform(-1, 1, (batch, n_in))
        d = rng.uniform(-1, 1, (batch, n_out))
        snap = tile.snapshot(100.0)
        y, _ = crossbar.mac_dense(x, snap, adc_range=300.0, seed=3, step=1)
        ys, _ = crossbar.mac_spikes(x > 0.5, snap, seed=3, step=2)
        tile.update_coincidence(x, d, 5.0, 200.0, dw_min_uS=0.5, seed=4, step=1)
        tile.update_quantized(
            np.outer(x[0], d[0]) * 3, 300.0, dw_min_uS=0.5, stochastic_rounding=True, seed=4, step=2
        )
        chi = np.zeros((n_in, n_out))
        tile.update_mixed_precision(
            chi, np.outer(x[1], d[1]) * 2, 400.0, epsilon_uS=0.5, seed=4, step=3
        )
        delta = np.zeros((n_in, n_out))
        update.stdp_delta(
            (x > 0)[None].astype(np.uint8),
            (d > 0)[None].astype(np.uint8),
            0.8,
            0.8,
            0.1,
            0.1,
            delta,
        )
        tile.refresh(500.0, upper_frac=0.3, lower_frac=0.1, seed=4, step=4)
        spikes, _, _ = lif_run(
            np.abs(y)[None] / 50,
            LIFState.zeros(batch, n_out),
            LIFParams(threshold_noise_std=0.2),
            seed=5,
        )
        h = hashlib.sha256()
        for arr in (
            y,
            ys,
            chi,
            delta,
            spikes,
            tile.plus.state.g_prog_uS,
            tile.minus.state.g_prog_uS,
            tile.plus.state.nu,
            tile.minus.state.history,
        ):
            h.update(np.ascontiguousarray(arr).tobytes())
        digest[preset] = h.hexdigest()
    return digest


if __name__ == "__main__":
    shape = (5, 4, 3) if "--tiny" in sys.argv else (96, 40, 16)
    print(json.dumps(run(*shape)))

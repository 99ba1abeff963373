"""Crossbar kernel benchmarks, each next to a reference measured in the same run."""

from __future__ import annotations

import numpy as np

from devices import pcm
from kernels import crossbar
from kernels.tile import DifferentialTile

from .common import best_time_s

N_IN, N_OUT, BATCH = 512, 128, 256
BL = 31
# IBM aihwkit's CPU simulator on this workload (512 x 128 PCM tile, batch 256, BL = 31),
# measured separately on these machines (DESIGN.md section 8); aihwkit is not installed here.
AIHWKIT_SYNAPSE_UPDATES_PER_S = 4.6e6
# Mean conductance step of one nominal pulse, per preset (uS): the update's dw_min.
DW_MIN_uS = {"aihwkit-pcm": 0.01 * 25.0 / 2.0, "nandakumar2018": 0.75}


def _tile(preset: str) -> DifferentialTile:
    tile = DifferentialTile(N_IN, N_OUT, pcm.preset(preset), rng=0)
    tile.program_weights(np.random.default_rng(1).uniform(-1, 1, (N_IN, N_OUT)), 0.0)
    return tile


def mac_benchmarks() -> dict:
    tile = _tile("joshi2020")
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (BATCH, N_IN))
    t_snapshot = best_time_s(lambda: tile.snapshot(3600.0))
    snap = tile.snapshot(3600.0)
    w = snap.g_eff_uS.copy()
    adc_range = float(np.abs(x @ w).max())
    t_numpy = best_time_s(lambda: x @ w, repeat=20)
    t_noisy = best_time_s(
        lambda: crossbar.mac_dense(x, snap, dac_bits=8, adc_bits=8, adc_range=adc_range), repeat=20
    )
    t_clean = best_time_s(
        lambda: crossbar.mac_dense(x, snap, dac_bits=0, adc_bits=0, noise=False), repeat=20
    )

    spikes = rng.random((BATCH, N_IN)) < 0.05
    spikes_f = spikes.astype(np.float64)
    t_dense_spikes = best_time_s(lambda: spikes_f @ w, repeat=20)
    t_spike_clean = best_time_s(lambda: crossbar.mac_spikes(spikes, snap, noise=False), repeat=20)
    t_spike_noisy = best_time_s(lambda: crossbar.mac_spikes(spikes, snap, noise=True), repeat=20)
    t_dense_noisy_spikes = best_time_s(
        lambda: crossbar.mac_dense(spikes_f, snap, dac_bits=0, adc_bits=0), repeat=20
    )
    return {
        "shape": {"n_in": N_IN, "n_out": N_OUT, "batch": BATCH},
        "noisy_mac": {
            "what": "read noise + 8-bit DAC + 8-bit ADC, tile snapshot taken beforehand",
            "time_s": t_noisy,
            "numpy_matmul_time_s": t_numpy,
            "ratio_to_numpy_matmul": t_noisy / t_numpy,
            "goal_ratio": 2.0,
            "noise_free_mac_time_s": t_clean,
            "snapshot_time_s": t_snapshot,
            "ratio_including_snapshot": (t_noisy + t_snapshot) / t_numpy,
        },
        "spike_mac_5pct": {
            "activity": float(spikes.mean()),
            "event_driven_noise_free_time_s": t_spike_clean,
            "numpy_dense_matmul_time_s": t_dense_spikes,
            "speedup_vs_numpy_dense": t_dense_spikes / t_spike_clean,
            "event_driven_noisy_time_s": t_spike_noisy,
            "dense_noisy_mac_time_s": t_dense_noisy_spikes,
            "speedup_noisy_vs_dense_noisy_mac": t_dense_noisy_spikes / t_spike_noisy,
        },
    }


def update_benchmarks() -> dict:
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (BATCH, N_IN))
    d = rng.uniform(-1, 1, (BATCH, N_OUT))
    results = {}
    for preset, dw in DW_MIN_uS.items():
        for label, lr in (("bl_saturated", 4 * BL * dw), ("every_slot_fires", 1e6 * dw)):
            tile = _tile(preset)
            step = [0]

            def run(tile=tile, lr=lr, dw=dw, step=step):
                step[0] += 1
                return tile.update_coincidence(
                    x, d, lr, float(step[0]), bl=BL, dw_min_uS=dw, seed=1, step=step[0]
                )

            elapsed = best_time_s(run, repeat=2)
            events = run()
            synapse_updates = BATCH * N_IN * N_OUT
            rate = synapse_updates / elapsed
            results[f"{preset}/{label}"] = {
                "lr_uS": lr,
                "dw_min_uS": dw,
                "time_s": elapsed,
                "synapse_updates_per_s": rate,
                "pulses_per_synapse_update": events.set_pulses / synapse_updates,
                "pulses_per_s": events.set_pulses / elapsed,
                "aihwkit_reference_synapse_updates_per_s": AIHWKIT_SYNAPSE_UPDATES_PER_S,
                "ratio_to_aihwkit": rate / AIHWKIT_SYNAPSE_UPDATES_PER_S,
                "goal_ratio": 10.0,
            }
    return {"coincidence_update": {"bl": BL, "x_d": "uniform in [-1, 1]", **results}}


def run() -> dict:
    return {"mac": mac_benchmarks(), **update_benchmarks()}

"""Crossbar kernel benchmarks, each next to references measured in the same run.

References: numpy's noise-free ``x @ W`` for the MAC; the project's loop references
(``tests/naive.py``, on a slice of the workload small enough to run in seconds); and IBM
aihwkit's CPU simulator when the environment variable ``RAVEN_AIHWKIT_PYTHON`` names an
interpreter that has aihwkit (``bench/peer_aihwkit.py`` runs there, in a subprocess, during
this run); otherwise the JSON says that aihwkit was not measured. Timings on a shared
machine are noisy: every figure is a best of several calls and comes with the load average.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from devices import pcm
from kernels import crossbar, update
from kernels.tile import DifferentialTile

from .common import best_time_s, best_times_interleaved

N_IN, N_OUT, BATCH = 512, 128, 256
BL = 31
# Mean conductance step of one nominal pulse, per preset (uS): the update's dw_min.
DW_MIN_uS = {"aihwkit-pcm": 0.01 * 25.0 / 2.0, "nandakumar2018": 0.75}
# lr / dw_min as in bench/peer_aihwkit.py (aihwkit's dw_min = 0.01, lr = 1 and 10): 100
# saturates the bit length (about 17 pulses per synapse update), 1000 makes nearly every
# slot fire.
LR_OVER_DW_MIN = {"bl_saturated": 100.0, "every_slot_fires": 1000.0}
PEER_SCRIPT = Path(__file__).resolve().parent / "peer_aihwkit.py"
# aihwkit 1.1.0 on the project's reference machine (2 cores, AVX2), by bench/peer_aihwkit.py:
# kept so that a run without aihwkit still shows the ratio, marked as not measured in it.
AIHWKIT_RECORDED = {
    "source": "bench/peer_aihwkit.py, aihwkit 1.1.0 on the project's reference machine"
    " (2 cores, AVX2); recorded, not measured in this run",
    "synapse_updates_per_s": {"bl_saturated": 5.6e6, "every_slot_fires": 3.05e6},
}
GOAL_RATIO_TO_AIHWKIT = 3.0
STRETCH_RATIO_TO_AIHWKIT = 10.0
AIHWKIT_ENV = "RAVEN_AIHWKIT_PYTHON"


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _tile(preset: str) -> DifferentialTile:
    tile = DifferentialTile(N_IN, N_OUT, pcm.preset(preset), rng=0)
    tile.program_weights(np.random.default_rng(1).uniform(-1, 1, (N_IN, N_OUT)), 0.0)
    return tile


def _naive():
    """tests/naive.py (the benchmark runs from a source checkout, as ``make bench`` does)."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests import naive

    return naive


def aihwkit_peer() -> dict:
    """Run bench/peer_aihwkit.py under $RAVEN_AIHWKIT_PYTHON now, or say why not."""
    python = os.environ.get(AIHWKIT_ENV)
    if not python:
        return {"available": False, "reason": f"{AIHWKIT_ENV} is not set"}
    try:
        out = subprocess.run(
            [python, str(PEER_SCRIPT)], check=True, capture_output=True, text=True, timeout=3600
        )
        return {"available": True, "python": python, **json.loads(out.stdout)}
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
        return {"available": False, "reason": f"{AIHWKIT_ENV}={python!r}: {exc}"}


def _noisy_mac_profile(x: np.ndarray, snap, adc_range: float) -> dict:
    """The stages of one noisy MAC timed apart (interleaved with numpy's product): where
    the time over numpy's ``x @ W`` goes."""
    xq, x2 = np.empty_like(x), np.empty(x.shape, np.float32)
    line_sum = np.empty(x.shape[1])
    crossbar._dac_prepare(x, 8, xq, x2, line_sum)
    y = xq @ snap.g_eff_uS
    noise_var = x2 @ snap.var_uS2
    t = best_times_interleaved(
        {
            "numpy_matmul": lambda: x @ snap.g_eff_uS,
            "dac": lambda: crossbar._dac_prepare(x, 8, xq, x2, line_sum),
            "float32_variance_product": lambda: x2 @ snap.var_uS2,
            "output_copy": lambda: y.copy(),
            "noise_and_adc_with_output_copy": lambda: crossbar._noise_and_adc(
                y.copy(), noise_var, 1, 1, True, 8, adc_range
            ),
        },
        rounds=50,
    )
    stages = {f"{name}_time_s": seconds for name, seconds in t.items()}
    stages["noise_and_adc_time_s"] = t["noise_and_adc_with_output_copy"] - t["output_copy"]
    return stages


def mac_benchmarks(peer: dict) -> dict:
    tile = _tile("joshi2020")
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (BATCH, N_IN))
    load_start = _load()
    moved = [3600.0]

    def snapshot_at_a_new_time():
        moved[0] += 1.0  # device time moves: the cached snapshot no longer applies
        return tile.snapshot(moved[0])

    t_snapshot_fresh = best_time_s(snapshot_at_a_new_time, repeat=5)
    snap = tile.snapshot(3600.0)
    w = snap.g_eff_uS.copy()
    adc_range = float(np.abs(x @ w).max())
    # As a tile calls it (DifferentialTile.mac): work arrays kept between calls.
    scratch = crossbar.MacScratch()
    t = best_times_interleaved(
        {
            "numpy": lambda: x @ w,
            "noisy": lambda: crossbar.mac_dense(
                x, snap, dac_bits=8, adc_bits=8, adc_range=adc_range, scratch=scratch
            ),
            "noisy_fresh_arrays": lambda: crossbar.mac_dense(
                x, snap, dac_bits=8, adc_bits=8, adc_range=adc_range
            ),
            "clean": lambda: crossbar.mac_dense(
                x, snap, dac_bits=0, adc_bits=0, noise=False, scratch=scratch
            ),
            "snapshot": lambda: tile.snapshot(3600.0),
        },
        rounds=50,
    )
    t_numpy, t_noisy, t_clean, t_snapshot = t["numpy"], t["noisy"], t["clean"], t["snapshot"]
    t_noisy_fresh = t["noisy_fresh_arrays"]
    profile = _noisy_mac_profile(x, snap, adc_range)
    naive = _naive()
    n_naive = 2
    t_naive = best_time_s(lambda: naive.mac(x[:n_naive], w, 8, 8, adc_range), repeat=1, warmup=0)

    spikes = rng.random((BATCH, N_IN)) < 0.05
    spikes_f = spikes.astype(np.float64)
    t = best_times_interleaved(
        {
            "dense": lambda: spikes_f @ w,
            "spike_clean": lambda: crossbar.mac_spikes(spikes, snap, noise=False),
            "spike_noisy": lambda: crossbar.mac_spikes(spikes, snap, noise=True),
            "dense_noisy": lambda: crossbar.mac_dense(spikes_f, snap, dac_bits=0, adc_bits=0),
        }
    )
    t_dense_spikes, t_spike_clean = t["dense"], t["spike_clean"]
    t_spike_noisy, t_dense_noisy_spikes = t["spike_noisy"], t["dense_noisy"]
    noisy = {
        "what": "read noise + 8-bit DAC + 8-bit ADC, tile snapshot taken beforehand, work"
        " arrays kept between calls (kernels.crossbar.MacScratch, as a tile keeps them); the"
        " output is a new array, as numpy's",
        "time_s": t_noisy,
        "numpy_matmul_time_s": t_numpy,
        "ratio_to_numpy_matmul": t_noisy / t_numpy,
        "goal_ratio": 2.0,
        "fresh_work_arrays_time_s": t_noisy_fresh,
        "fresh_work_arrays_ratio_to_numpy_matmul": t_noisy_fresh / t_numpy,
        "noise_free_mac_time_s": t_clean,
        "naive_reference": {
            "what": "tests/naive.py mac (noise-free loop), first rows of the batch",
            "batch": n_naive,
            "time_per_sample_s": t_naive / n_naive,
            "speedup_of_noisy_mac": (t_naive / n_naive) / (t_noisy / BATCH),
        },
        "snapshot_cached_time_s": t_snapshot,
        "snapshot_cached_ratio_to_noise_free_mac": t_snapshot / t_clean,
        "snapshot_at_a_new_device_time_s": t_snapshot_fresh,
        "snapshot_goal_ratio_to_noise_free_mac": 2.0,
        "ratio_including_cached_snapshot": (t_noisy + t_snapshot) / t_numpy,
        "profile": profile,
    }
    if peer.get("available"):
        noisy["aihwkit_forward_noisy_time_s"] = peer["forward_noisy_time_s"]
        noisy["aihwkit_numpy_float32_matmul_time_s"] = peer["numpy_matmul_time_s"]
        noisy["speedup_vs_aihwkit_forward"] = peer["forward_noisy_time_s"] / t_noisy
    return {
        "shape": {"n_in": N_IN, "n_out": N_OUT, "batch": BATCH},
        "load_average_start": load_start,
        "load_average_end": _load(),
        "noisy_mac": noisy,
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


def _naive_update_rate(preset: str, x, d, lr: float, dw: float, rows: int, batch: int) -> float:
    """Synapse updates per second of tests/naive.py's coincidence loop on a slice (the first
    ``rows`` rows and ``batch`` samples, with the slot masks of the kernel)."""
    naive = _naive()
    tile = DifferentialTile(rows, N_OUT, pcm.preset(preset), rng=0)
    xs, ds = x[:batch, :rows], d[:batch]
    bls, row_scale, col_scale = update.coincidence_probabilities(xs, ds, lr, dw, BL)
    xm = np.empty(xs.shape, np.uint64)
    dm = np.empty(ds.shape, np.uint64)
    update.pulse_masks(xs, row_scale, bls, 1, 1, update.STREAM_ROW_BITS, xm)
    update.pulse_masks(ds, col_scale, bls, 1, 1, update.STREAM_COL_BITS, dm)
    from tests.support.kernel_cases import device_dicts

    states = device_dicts(tile)
    args = pcm.kernel_args(tile.params)
    # A first call on one row compiles the scalar physics that the loops call.
    naive.coincidence(xs[:, :1], ds, xm[:, :1], dm, *device_dicts(tile), 1, 1, 1.0, 1.0, args)
    start = time.perf_counter()
    naive.coincidence(xs, ds, xm, dm, *states, 1, 1, 1.0, 1.0, args)
    return xs.size * N_OUT / (time.perf_counter() - start)


def update_benchmarks(peer: dict) -> dict:
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (BATCH, N_IN))
    d = rng.uniform(-1, 1, (BATCH, N_OUT))
    peer_update = peer.get("update", {}) if peer.get("available") else {}
    results = {}
    for preset, dw in DW_MIN_uS.items():
        for label, ratio in LR_OVER_DW_MIN.items():
            lr = ratio * dw
            tile = _tile(preset)
            step = [0]
            events = []

            def run(tile=tile, lr=lr, dw=dw, step=step, events=events):
                step[0] += 1
                events.append(
                    tile.update_coincidence(
                        x, d, lr, float(step[0]), bl=BL, dw_min_uS=dw, seed=1, step=step[0]
                    )
                )

            load_start = _load()
            elapsed = best_time_s(run, repeat=3)
            synapse_updates = BATCH * N_IN * N_OUT
            rate = synapse_updates / elapsed
            naive_rate = _naive_update_rate(preset, x, d, lr, dw, rows=4, batch=1)
            entry = {
                "lr_uS": lr,
                "dw_min_uS": dw,
                "time_s": elapsed,
                "synapse_updates_per_s": rate,
                "pulses_per_synapse_update": events[-1].set_pulses / synapse_updates,
                "pulses_per_s": events[-1].set_pulses / elapsed,
                "naive_reference_synapse_updates_per_s": naive_rate,
                "naive_reference_slice": {"rows": 4, "batch": 1},
                "speedup_vs_naive": rate / naive_rate,
                "load_average_start": load_start,
                "load_average_end": _load(),
            }
            if preset == "aihwkit-pcm":
                recorded = AIHWKIT_RECORDED["synapse_updates_per_s"][label]
                entry["goal_ratio_to_aihwkit"] = GOAL_RATIO_TO_AIHWKIT
                entry["stretch_ratio_to_aihwkit"] = STRETCH_RATIO_TO_AIHWKIT
                entry["aihwkit_recorded"] = {
                    "source": AIHWKIT_RECORDED["source"],
                    "synapse_updates_per_s": recorded,
                    "ratio": rate / recorded,
                }
            if label in peer_update:
                peer_rate = peer_update[label]["synapse_updates_per_s"]
                entry["aihwkit_synapse_updates_per_s"] = peer_rate
                entry["ratio_to_aihwkit"] = rate / peer_rate
            results[f"{preset}/{label}"] = entry
    return {"coincidence_update": {"bl": BL, "x_d": "uniform in [-1, 1]", **results}}


def run() -> dict:
    peer = aihwkit_peer()
    return {"aihwkit": peer, "mac": mac_benchmarks(peer), **update_benchmarks(peer)}

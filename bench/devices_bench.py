"""Throughput of the PCM device operations on 1e6 devices."""

from __future__ import annotations

import numpy as np

from devices import pcm

from .common import best_time_s

N_DEVICES = 1_000_000


def run() -> dict:
    results = {}
    for name in sorted(pcm.PRESETS):
        params = pcm.preset(name)
        arr = pcm.PCMArray(N_DEVICES, params, rng=np.random.default_rng(0))
        target = np.random.default_rng(1).uniform(params.g_min_uS, params.g_max_uS, N_DEVICES)
        one_pulse = np.ones(N_DEVICES, dtype=np.int64)
        t_program = best_time_s(lambda: arr.program(target, t_s=0.0), repeat=3)  # noqa: B023
        t_read = best_time_s(lambda: arr.read(t_s=3600.0), repeat=3)  # noqa: B023
        t_pulse = best_time_s(lambda: arr.apply_pulses(one_pulse, t_s=3600.0), repeat=3)  # noqa: B023
        # Reference in the same run: numpy drawing the same number of normals (the floor of
        # any noisy device model that draws with a numpy Generator).
        rng = np.random.default_rng(2)
        t_normals = best_time_s(lambda: rng.standard_normal(N_DEVICES), repeat=3)  # noqa: B023
        results[name] = {
            "n_devices": N_DEVICES,
            "program_devices_per_s": N_DEVICES / t_program,
            "read_devices_per_s": N_DEVICES / t_read,
            "pulse_devices_per_s": N_DEVICES / t_pulse,
            "numpy_normals_per_s": N_DEVICES / t_normals,
        }
    return {"devices": results}

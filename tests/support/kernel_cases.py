"""Small tiles in random states, shared by the kernel tests."""

from __future__ import annotations

import numpy as np

from devices import pcm
from kernels.recurrent import AlifConstants, RecurrentSynapses
from kernels.tile import DifferentialTile


def random_tile(
    n_in: int, n_out: int, preset: str = "joshi2020", seed: int = 0, faults: bool = False
) -> DifferentialTile:
    params = pcm.preset(preset)
    if faults:
        params = params.__class__(
            **{
                **{f: getattr(params, f) for f in params.__dataclass_fields__},
                "faults": pcm.FaultParams(
                    frac_stuck_g_min=0.1, frac_stuck_g_max=0.1, frac_stuck_random=0.1
                ),
            }
        )
    tile = DifferentialTile(n_in, n_out, params, rng=seed)
    rng = np.random.default_rng(seed + 100)
    lo, hi = params.g_min_uS, params.g_max_uS
    tile.plus.program(rng.uniform(lo, hi, (n_in, n_out)), t_s=0.0)
    tile.minus.program(rng.uniform(lo, hi, (n_in, n_out)), t_s=rng.uniform(0.0, 50.0))
    return tile


def device_dicts(tile: DifferentialTile) -> tuple[dict, dict]:
    """Copies of the tile's device states as dicts of 2-D arrays (for tests/naive.py)."""
    out = []
    for arr in (tile.plus, tile.minus):
        s, shape = arr.state, tile.shape
        out.append(
            {
                "g_prog": s.g_prog_uS.reshape(shape).copy(),
                "t_prog": s.t_prog_s.reshape(shape).copy(),
                "nu": s.nu.reshape(shape).copy(),
                "history": s.history.reshape(shape).copy(),
                "fault": s.fault.reshape(shape).copy(),
                "g_max": s.g_max_uS.reshape(shape).copy(),
                "step_scale": s.step_scale.reshape(shape).copy(),
            }
        )
    return out[0], out[1]


def assert_tile_equals(tile: DifferentialTile, plus: dict, minus: dict) -> None:
    for arr, ref in ((tile.plus, plus), (tile.minus, minus)):
        s, shape = arr.state, tile.shape
        np.testing.assert_array_equal(s.g_prog_uS.reshape(shape), ref["g_prog"])
        np.testing.assert_array_equal(s.t_prog_s.reshape(shape), ref["t_prog"])
        np.testing.assert_array_equal(s.nu.reshape(shape), ref["nu"])
        np.testing.assert_array_equal(s.history.reshape(shape), ref["history"])


def make_case(seed, batch, steps, n_in, n_hid, n_out, rate=0.3, w_std=0.8, var=0.0):
    """Random input spikes and recurrent synapses (means, variances, row heat) for the
    recurrent kernel's tests."""
    rng = np.random.default_rng(seed)
    spikes = (rng.random((batch, steps, n_in)) < rate).astype(np.uint8)
    n_pre = n_in + n_hid
    syn = RecurrentSynapses(
        rng.normal(0.2, w_std, (n_pre, n_hid)),
        np.full((n_pre, n_hid), var),
        rng.random(n_pre) * 10,
        rng.normal(0.0, w_std, (n_hid, n_out)),
        np.full((n_hid, n_out), var),
        rng.random(n_hid) * 10,
    )
    return spikes, syn


# Neuron constants of the recurrent kernel's tests (alpha, rho, ... as AlifConstants orders them).
CONSTANTS = AlifConstants(0.85, 0.95, 0.3, 1.0, 0.8, 0.3, 1.0, 0, 1.0)

"""The torch bridge's forward against the numba crossbar path, measured in the same run.

Workload: a 512 x 128 layer of differential pairs, batch 256, read with noise through an
8-bit DAC and an 8-bit ADC. Reference: ``kernels`` (``DifferentialTile.snapshot``, cached,
then ``DifferentialTile.mac``). Measured: ``devices.pcm_torch.functional.mac`` on a cached
snapshot, and a whole ``PCMLinear`` forward in inference mode (straight-through autograd
function, bias), each in float64 and float32. The goal is a ratio of at most 2 (torch time
over numba time) for the layer's forward.
"""

from __future__ import annotations

import time

import numpy as np

from devices import pcm

from .common import best_time_s

N_IN, N_OUT, BATCH = 512, 128, 256
GOAL_RATIO = 2.0
ROUNDS = 3


def best_times_in_blocks(funcs: dict, rounds: int = ROUNDS, repeat: int = 15) -> dict:
    """Best time of each function over ``rounds`` rounds of blocks, one block per function
    (a pause, warm-up calls, then ``repeat`` timed calls).

    numba (through numpy's BLAS) and torch keep their worker threads spinning for a while
    after a call; on a machine with few cores a call of one library right after the other
    competes with those threads (measured: up to 10x slower). Blocks with a pause and
    warm-up calls time each library on its own; rounds spread load bursts over all."""
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(rounds):
        for name, func in funcs.items():
            time.sleep(0.3)
            best[name] = min(best[name], best_time_s(func, repeat=repeat, warmup=3))
    return best


def run() -> dict:
    try:
        import torch
    except ImportError:
        return {"torch_bridge": {"measured": False, "reason": "torch is not installed"}}
    from devices.pcm_torch import PCMLinear
    from devices.pcm_torch import functional as pcmf
    from kernels.tile import DifferentialTile

    params = pcm.preset("joshi2020")
    w = np.random.default_rng(1).uniform(-1, 1, (N_IN, N_OUT))
    x = np.random.default_rng(2).uniform(-1, 1, (BATCH, N_IN))
    tile = DifferentialTile(N_IN, N_OUT, params, rng=0)
    tile.program_weights(w, 0.0)
    t_read = 3600.0
    adc_range_uS = 200.0

    layer = PCMLinear(N_IN, N_OUT, params, dac_bits=8, adc_bits=8, adc_range=1.0, seed=0)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w.T.copy()))
    layer.eval()
    scale = layer.program(0.0)
    layer.adc_range = adc_range_uS / scale  # the same full scale as the tile's, in output units
    layer.drift_to(t_read)
    snap = layer.snapshot()
    gen = torch.Generator().manual_seed(3)
    xs = {torch.float64: torch.from_numpy(x), torch.float32: torch.from_numpy(x).float()}

    def numba_path():
        return tile.mac(x, tile.snapshot(t_read), adc_range=adc_range_uS)

    funcs = {"numba_tile_mac": numba_path}
    for dtype, name in ((torch.float64, "float64"), (torch.float32, "float32")):
        xt = xs[dtype]
        funcs[f"torch_mac_{name}"] = lambda xt=xt: pcmf.mac(
            xt, snap, gen, dac_bits=8, adc_bits=8, adc_range=adc_range_uS
        )

        def layer_forward(xt=xt):
            with torch.no_grad():
                return layer(xt)

        funcs[f"torch_layer_{name}"] = layer_forward
    best = best_times_in_blocks(funcs)
    ref = best["numba_tile_mac"]
    ratios = {k: best[k] / ref for k in best if k != "numba_tile_mac"}
    return {
        "torch_bridge": {
            "measured": True,
            "workload": {
                "n_in": N_IN,
                "n_out": N_OUT,
                "batch": BATCH,
                "dac_bits": 8,
                "adc_bits": 8,
            },
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "best_time_s": best,
            "ratio_to_numba": ratios,
            "goal_ratio": GOAL_RATIO,
            "layer_forward_within_goal": {
                k: v <= GOAL_RATIO for k, v in ratios.items() if k.startswith("torch_layer")
            },
        }
    }

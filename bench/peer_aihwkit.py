#!/usr/bin/env python3
"""Peer figures from IBM aihwkit (CPU) on the shapes of Raven's kernel benchmarks.

Run it with an interpreter that has aihwkit; keep that environment apart from the
project's (aihwkit 1.1.0 needs torch >= 2.9.1 and torchvision, about 7 GB):

    python3 -m venv aihwkit-env
    aihwkit-env/bin/pip install aihwkit==1.1.0 "torch==2.10.*" "torchvision==0.25.*"
    RAVEN_AIHWKIT_PYTHON=aihwkit-env/bin/python make bench   # or run this file directly

Prints one JSON object:
- update: 512x128 tile, batch 256, PCMPresetDevice (ExpStep pulse response), stochastic
  pulse coincidence with desired_bl = 31, x and d uniform in [-1, 1]. With dw_min = 0.01
  the bit length is min(31, ceil(lr * max|x| * max|d| / dw_min)): lr = 1.0 saturates it
  (about 17 pulses per synapse update), lr = 10.0 makes nearly every slot fire.
- forward: inference tile with PCMLikeNoiseModel (programming noise, drift to 1 h, read
  noise), default DAC/ADC, same shape; and numpy's noise-free float32 x @ W as the floor.
Times are the best of a few repeats after one warm-up call.
"""

import json
import time

import numpy as np
import torch
from aihwkit.inference import PCMLikeNoiseModel
from aihwkit.simulator.configs import InferenceRPUConfig, SingleRPUConfig
from aihwkit.simulator.presets import PCMPresetDevice
from aihwkit.simulator.tiles.analog import AnalogTile

torch.set_num_threads(2)
torch.manual_seed(0)
N_IN, N_OUT, BATCH = 512, 128, 256


def best(f, n=3):
    f()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


x = torch.rand(BATCH, N_IN) * 2 - 1
d = torch.rand(BATCH, N_OUT) * 2 - 1
res = {"shape": [N_IN, N_OUT], "batch": BATCH, "threads": torch.get_num_threads(), "update": {}}
for lr, name in ((1.0, "bl_saturated"), (10.0, "every_slot_fires")):
    cfg = SingleRPUConfig(device=PCMPresetDevice())
    cfg.update.desired_bl = 31
    tile = AnalogTile(N_OUT, N_IN, cfg)
    tile.set_learning_rate(lr)
    s = best(lambda: tile.update(x, d))  # noqa: B023 - called before the next iteration
    res["update"][name] = {"lr": lr, "time_s": s, "synapse_updates_per_s": BATCH * N_IN * N_OUT / s}

cfg = InferenceRPUConfig()
cfg.noise_model = PCMLikeNoiseModel()
tile = AnalogTile(N_OUT, N_IN, cfg)
tile.set_weights(torch.randn(N_OUT, N_IN) * 0.1)
tile.eval()
tile.drift_weights(3600.0)
xf = torch.rand(BATCH, N_IN)
res["forward_noisy_time_s"] = best(lambda: tile.forward(xf), 10)
w = np.random.default_rng(0).standard_normal((N_IN, N_OUT)).astype(np.float32)
xn = xf.numpy()
res["numpy_matmul_time_s"] = best(lambda: xn @ w, 20)
print(json.dumps(res, indent=1))

"""Phase-change-memory device model: numpy arrays in, numpy arrays out.

>>> import numpy as np
>>> from devices import pcm
>>> arr = pcm.PCMArray((4,), pcm.preset("joshi2020"), rng=np.random.default_rng(0))
>>> arr.program(np.full(4, 12.5), t_s=0.0)
>>> arr.read(t_s=3600.0).shape
(4,)
"""

from .array import EnergyTotals, OpCounts, PCMArray, PCMState
from .params import (
    DriftParams,
    EnergyParams,
    ExpStepPulseParams,
    FaultParams,
    NandakumarPulseParams,
    PCMParams,
    ProgrammingNoiseParams,
    ReadNoiseParams,
    ResetParams,
    VariabilityParams,
)
from .physics import KernelArgs, kernel_args
from .presets import PRESETS, preset

__all__ = [
    "PRESETS",
    "DriftParams",
    "EnergyParams",
    "EnergyTotals",
    "ExpStepPulseParams",
    "FaultParams",
    "KernelArgs",
    "NandakumarPulseParams",
    "OpCounts",
    "PCMArray",
    "PCMParams",
    "PCMState",
    "ProgrammingNoiseParams",
    "ReadNoiseParams",
    "ResetParams",
    "VariabilityParams",
    "kernel_args",
    "preset",
]

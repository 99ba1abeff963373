"""Phase-change-memory device model: numpy arrays in, numpy arrays out.

The functional core takes a state and gives a new state and its events; the caller holds
the state, the parameters and the random generator:

>>> import numpy as np
>>> from devices import pcm
>>> params, rng = pcm.preset("joshi2020"), np.random.default_rng(0)
>>> state = pcm.init((4,), params, rng)
>>> state, ev = pcm.program(state, np.full(4, 12.5), 0.0, params, rng)
>>> g_uS, ev_read = pcm.read(state, 3600.0, params, rng)
>>> g_uS.shape, (ev + ev_read).as_dict()["program_pulses"]
((4,), 4)

``PCMArray`` wraps the same functions around a held state, generator and event counters:

>>> arr = pcm.PCMArray((4,), params, rng=np.random.default_rng(0))
>>> arr.program(np.full(4, 12.5), t_s=0.0)
>>> arr.read(t_s=3600.0).shape
(4,)
"""

from . import elementwise, fit, mapping
from .array import PCMArray
from .core import conductance_uS, init, program, program_and_verify, pulse, read, reset
from .events import EnergyTotals, OpCounts, device_energy, price_events
from .idealise import idealised, reference_step_uS
from .kernel_args import KernelArgs, kernel_args
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
from .presets import PRESETS, preset
from .records import load_params, params_from_dict, params_to_dict, save_params
from .state import (
    FAULT_NONE,
    FAULT_STUCK_G_MAX,
    FAULT_STUCK_G_MIN,
    FAULT_STUCK_RANDOM,
    DeviceArrays,
    PCMState,
)

__all__ = [
    "FAULT_NONE",
    "FAULT_STUCK_G_MAX",
    "FAULT_STUCK_G_MIN",
    "FAULT_STUCK_RANDOM",
    "PRESETS",
    "DeviceArrays",
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
    "conductance_uS",
    "device_energy",
    "elementwise",
    "fit",
    "idealised",
    "init",
    "kernel_args",
    "load_params",
    "mapping",
    "params_from_dict",
    "params_to_dict",
    "preset",
    "price_events",
    "program",
    "program_and_verify",
    "pulse",
    "read",
    "reference_step_uS",
    "reset",
    "save_params",
]

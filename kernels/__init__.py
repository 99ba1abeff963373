"""Numba crossbar kernels: in-memory MAC, on-chip pulse updates, neuron steps.

Kernels receive arrays and scalars only and return event counts so that the energy ledger
is exact. Device physics comes from ``devices.pcm.physics``; nothing here imports ``raven``.
Randomness is counter-based (``kernels.rng``), keyed by (seed, step, row, column), so a
seed gives bit-identical results whatever the number of threads.
"""

from .crossbar import MacEvents, Snapshot, mac_dense, mac_spikes, take_snapshot
from .neurons import LIFParams, LIFState, lif_run
from .recurrent import AlifConstants, RecurrentOutputs, RecurrentSynapses, run_alif
from .tile import DifferentialTile, UpdateEvents

__all__ = [
    "AlifConstants",
    "DifferentialTile",
    "LIFParams",
    "LIFState",
    "MacEvents",
    "RecurrentOutputs",
    "RecurrentSynapses",
    "Snapshot",
    "UpdateEvents",
    "lif_run",
    "mac_dense",
    "mac_spikes",
    "run_alif",
    "take_snapshot",
]

"""Numba crossbar kernels: in-memory MAC, on-chip pulse updates, neuron steps.

Kernels receive arrays and scalars only and report what they did as ``Events`` (named
counts), so that the energy ledger is exact. Device physics comes from
``devices.pcm.physics``; nothing here imports ``raven``. Randomness is counter-based
(``kernels.rng``), keyed by (seed, stream, step, index) from a registry of streams, so a seed
gives bit-identical results whatever the number of numba threads. Dense matrix products go
through BLAS (numpy's; scipy's in ``alif_bptt``): their last bits are the BLAS build's.
"""

__version__ = "0.1.0"  # the version of the raven-pcm distribution (pyproject.toml)

from .alif_bptt import alif_backward, alif_forward, pseudo_derivatives
from .crossbar import MacScratch, ReadState, Snapshot, mac_dense, mac_spikes, take_snapshot
from .events import EVENT_NAMES, Events
from .neurons import LIFParams, LIFState, lif_run
from .recurrent import AlifConstants, RecurrentOutputs, RecurrentSynapses, run_alif
from .tile import DifferentialTile

__all__ = [
    "EVENT_NAMES",
    "AlifConstants",
    "DifferentialTile",
    "Events",
    "LIFParams",
    "LIFState",
    "MacScratch",
    "ReadState",
    "RecurrentOutputs",
    "RecurrentSynapses",
    "Snapshot",
    "alif_backward",
    "alif_forward",
    "lif_run",
    "mac_dense",
    "mac_spikes",
    "pseudo_derivatives",
    "run_alif",
    "take_snapshot",
]

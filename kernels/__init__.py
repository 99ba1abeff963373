"""Numba crossbar kernels: in-memory MAC, on-chip pulse updates, neuron steps.

Kernels receive arrays and scalars only and return event counts so that the energy ledger
is exact. Device physics comes from ``devices.pcm.physics``; nothing here imports ``raven``.
Randomness is counter-based (``kernels.rng``), keyed by (seed, step, row, column), so a
seed gives bit-identical results whatever the number of threads.
"""

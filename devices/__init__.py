"""Device models for in-memory computing. ``devices.pcm`` is the phase-change-memory model.

This package depends on numpy and numba only, so that other simulators can import it alone.
"""

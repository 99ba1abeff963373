"""Device models for in-memory computing. ``devices.pcm`` is the phase-change-memory model.

This package depends on numpy and numba only, so that other simulators can import it alone.
"""

__version__ = "0.1.0"  # the version of the raven-pcm distribution (pyproject.toml)

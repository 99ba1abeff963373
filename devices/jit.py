"""The one place where numba compilation flags are chosen.

``fastmath`` stays off everywhere: conductance increments can be a few nS on a ~10 uS
device, and re-association of such sums changes results between builds.
``cache`` keeps compiled code on disk so that a second process does not recompile.
"""

from __future__ import annotations

import numba

SCALAR_FLAGS = {"cache": True, "fastmath": False, "nogil": True}
ARRAY_FLAGS = {"cache": True, "fastmath": False, "nogil": True}
PARALLEL_FLAGS = {"cache": True, "fastmath": False, "nogil": True, "parallel": True}


def scalar_jit(func):
    """Compile a scalar physics function (called from other compiled code).

    Parameters
    ----------
    func : callable
        Called from other compiled code: scalar physics, or a step of a kernel.

    Returns
    -------
    numba.core.registry.CPUDispatcher
        ``func`` compiled with ``SCALAR_FLAGS`` (on first call, or from the disk cache).
    """
    return numba.njit(**SCALAR_FLAGS)(func)


def inlined_scalar_jit(func):
    """Compile a small scalar function that hot loops call once per pulse, inlined into its
    callers at numba IR level.

    Inlining removes a call with a dozen array arguments (measured: about 20 ns -> 2 ns per
    pulse). Used sparingly: inlining multiplies compile time.

    Parameters
    ----------
    func : callable
        A short function that a hot loop calls once per pulse or per cell.

    Returns
    -------
    numba.core.registry.CPUDispatcher
        ``func`` with ``SCALAR_FLAGS``, inlined into compiled callers; called from
        interpreted Python it runs as an ordinary compiled function.
    """
    return numba.njit(inline="always", **SCALAR_FLAGS)(func)


def array_jit(func):
    """Compile a serial array loop.

    Parameters
    ----------
    func : callable
        Loops over arrays it receives, in one thread.

    Returns
    -------
    numba.core.registry.CPUDispatcher
        ``func`` compiled with ``ARRAY_FLAGS``.
    """
    return numba.njit(**ARRAY_FLAGS)(func)


def parallel_jit(func):
    """Compile a loop that uses ``numba.prange`` over independent outputs.

    Parameters
    ----------
    func : callable
        Its ``numba.prange`` iterations must write disjoint outputs, so that results do
        not depend on the number of threads.

    Returns
    -------
    numba.core.registry.CPUDispatcher
        ``func`` compiled with ``PARALLEL_FLAGS``.
    """
    return numba.njit(**PARALLEL_FLAGS)(func)

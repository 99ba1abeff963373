"""Per-neuron time constants of a recurrent ALIF layer.

Heterogeneous membrane and adaptation time constants (Perez-Nieves et al., Nat. Commun.
12, 5791, 2021) and adaptation on a fraction of the neurons (Bellec et al., Nat. Commun.
11, 3625, 2020) make the decays alpha and rho and the adaptation strength beta properties
of each neuron. ``AlifConstants`` may hold a scalar (every neuron alike) or an (H,) array
for each of the three; the kernels read them through ``NeuronArrays``, built here once per
call.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class NeuronArrays(NamedTuple):
    """The per-neuron constants the kernels read, each (H,) float64.

    Attributes
    ----------
    alpha : numpy.ndarray
        Membrane decay exp(-dt / tau_m) of each neuron, in [0, 1].
    rho : numpy.ndarray
        Adaptation decay exp(-dt / tau_a), in [0, 1].
    beta : numpy.ndarray
        Threshold increase per unit of adaptation, >= 0 (0: a plain LIF neuron).
    """

    alpha: np.ndarray
    rho: np.ndarray
    beta: np.ndarray


def _per_neuron(value, n_hidden: int, name: str, low: float, high: float) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(n_hidden, float(array))
    if array.shape != (n_hidden,):
        raise ValueError(
            f"constants.{name}: shape {array.shape}: expected a scalar or ({n_hidden},),"
            " one value per hidden neuron"
        )
    if not (np.isfinite(array).all() and (array >= low).all() and (array <= high).all()):
        raise ValueError(f"constants.{name}: expected values in [{low}, {high}]")
    return np.ascontiguousarray(array)


def neuron_arrays(constants, n_hidden: int) -> NeuronArrays:
    """The alpha, rho and beta of ``constants`` as validated (H,) arrays.

    Parameters
    ----------
    constants : kernels.recurrent.AlifConstants
        Each of ``alpha``, ``rho`` and ``beta`` a scalar or an (H,) array.
    n_hidden : int
        H, the number of hidden neurons.

    Returns
    -------
    NeuronArrays

    Raises
    ------
    ValueError
        A field of the wrong shape, a decay outside [0, 1] or a negative beta.
    """
    return NeuronArrays(
        _per_neuron(constants.alpha, n_hidden, "alpha", 0.0, 1.0),
        _per_neuron(constants.rho, n_hidden, "rho", 0.0, 1.0),
        _per_neuron(constants.beta, n_hidden, "beta", 0.0, np.inf),
    )

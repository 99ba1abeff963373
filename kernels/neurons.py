"""Leaky integrate-and-fire neurons over batches of samples and time steps.

Per step (dt folded into the constants):
    i_syn <- syn_decay i_syn + I_t                    (synaptic current trace)
    v     <- v_decay v + i_syn      unless refractory (then v stays at v_reset)
    spike  = v >= theta + threshold_noise_std z       (z ~ N(0, 1): stochastic LIF)
    on a spike: v <- v_reset, refractory for refractory_steps steps
    trace <- trace_decay trace + spike                (learning trace)
The threshold-noise deviates of sample b at step t come from the stream keyed
(seed, STREAM_THRESHOLD, step0 + t, b), so results do not depend on the thread count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from devices.jit import parallel_jit

from .events import Events
from .rng import STREAM_THRESHOLD, key4, next_normal


@dataclass(frozen=True, slots=True)
class LIFParams:
    """Neuron constants, per time step. Validated; every error names the field.

    Attributes
    ----------
    v_decay : float
        Membrane decay per step, in [0, 1].
    syn_decay : float
        Synaptic current decay per step, in [0, 1].
    theta : float
        Threshold (units of the input currents).
    v_reset : float
        Membrane after a spike and while refractory; below ``theta``.
    refractory_steps : int
        Steps a neuron stays at ``v_reset`` after a spike.
    trace_decay : float
        Learning trace decay per step, in [0, 1].
    threshold_noise_std : float
        Standard deviation of the Gaussian threshold noise (stochastic LIF); 0: deterministic.
    """

    v_decay: float = 0.9
    syn_decay: float = 0.0
    theta: float = 1.0
    v_reset: float = 0.0
    refractory_steps: int = 0
    trace_decay: float = 0.8
    threshold_noise_std: float = 0.0

    def __post_init__(self) -> None:
        for name in ("v_decay", "syn_decay", "trace_decay"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"LIFParams.{name}={value!r}: expected a value in [0, 1]")
        if not np.isfinite(self.theta) or not np.isfinite(self.v_reset):
            raise ValueError(
                f"LIFParams.theta={self.theta!r}, v_reset={self.v_reset!r}: expected finite values"
            )
        if self.v_reset >= self.theta:
            raise ValueError(
                f"LIFParams.v_reset={self.v_reset!r}: expected a value below theta={self.theta!r}"
            )
        if not (isinstance(self.refractory_steps, int) and self.refractory_steps >= 0):
            raise ValueError(
                f"LIFParams.refractory_steps={self.refractory_steps!r}: expected an integer >= 0"
            )
        if not (np.isfinite(self.threshold_noise_std) and self.threshold_noise_std >= 0):
            raise ValueError(
                f"LIFParams.threshold_noise_std={self.threshold_noise_std!r}: expected a value >= 0"
            )


class LIFState(NamedTuple):
    """Per-neuron state, each (batch, n). ``lif_run`` takes a state and returns a new one;
    it never writes into the arrays it is given.

    Attributes
    ----------
    v : numpy.ndarray
        Membrane potential (units of the input currents).
    i_syn : numpy.ndarray
        Synaptic current trace.
    refractory : numpy.ndarray
        Remaining refractory steps (int64).
    trace : numpy.ndarray
        Learning trace.
    """

    v: np.ndarray
    i_syn: np.ndarray
    refractory: np.ndarray
    trace: np.ndarray

    @classmethod
    def zeros(cls, batch: int, n: int, v_reset: float = 0.0) -> LIFState:
        """The resting state of ``batch`` x ``n`` neurons.

        Parameters
        ----------
        batch, n : int
            Samples and neurons per sample.
        v_reset : float
            Membrane potential at rest.

        Returns
        -------
        LIFState
            Membranes at ``v_reset``; currents, refractory counters and traces at zero.
        """
        return cls(
            np.full((batch, n), float(v_reset)),
            np.zeros((batch, n)),
            np.zeros((batch, n), np.int64),
            np.zeros((batch, n)),
        )


class _LifConstants(NamedTuple):
    """``LIFParams`` as the kernel reads them (see ``LIFParams`` for each field)."""

    v_decay: float
    syn_decay: float
    theta: float
    v_reset: float
    refractory_steps: int
    trace_decay: float
    threshold_noise_std: float


@parallel_jit
def _lif_kernel(currents, v, i_syn, refractory, trace, constants, seed, step0, spikes):
    """Run T steps for every sample (in parallel over the batch), updating the state arrays
    in place. Returns the spike count. The state arrays are separate arguments: the parallel
    loop writes them, which it does not reliably do through a tuple."""
    # Read-only constants, unpacked outside the parallel loop.
    v_decay, syn_decay, theta, v_reset, refractory_steps, trace_decay, noise_std = constants
    steps, batch, n = currents.shape
    totals = np.zeros(batch, np.int64)
    for b in numba.prange(batch):
        for t in range(steps):
            noise_state = key4(seed, STREAM_THRESHOLD, step0 + t, b)
            for k in range(n):
                i_syn[b, k] = syn_decay * i_syn[b, k] + currents[t, b, k]
                fired = 0
                if refractory[b, k] > 0:
                    refractory[b, k] -= 1
                    v[b, k] = v_reset
                else:
                    v[b, k] = v_decay * v[b, k] + i_syn[b, k]
                    threshold = theta
                    if noise_std > 0.0:
                        z, noise_state = next_normal(noise_state)
                        threshold += noise_std * z
                    if v[b, k] >= threshold:
                        fired = 1
                        v[b, k] = v_reset
                        refractory[b, k] = refractory_steps
                trace[b, k] = trace_decay * trace[b, k] + fired
                spikes[t, b, k] = fired
                totals[b] += fired
    return totals.sum()


def lif_run(
    currents: np.ndarray, state: LIFState, params: LIFParams, *, seed: int = 0, step0: int = 0
) -> tuple[np.ndarray, LIFState, Events]:
    """Run LIF neurons on input currents, state in, state out.

    Parameters
    ----------
    currents : numpy.ndarray
        (T, batch, n) input currents per step, finite.
    state : LIFState
        State before the first step, each array (batch, n); not modified.
    params : LIFParams
        Neuron constants.
    seed : int
        Seed of the threshold noise (>= 0).
    step0 : int
        Step field of the key of the first step: step t of sample b draws its threshold
        noise from the stream keyed (seed, STREAM_THRESHOLD, step0 + t, b).

    Returns
    -------
    spikes : numpy.ndarray
        (T, batch, n) uint8, 1 where a neuron fired.
    new_state : LIFState
        State after the last step (new arrays).
    events : Events
        ``neuron_updates`` (T x batch x n) and ``spikes``.
    """
    currents = np.ascontiguousarray(currents, dtype=np.float64)
    if currents.ndim != 3:
        raise ValueError(f"currents: shape {currents.shape}: expected (T, batch, n)")
    if state.v.shape != currents.shape[1:]:
        raise ValueError(f"state: shape {state.v.shape}: expected {currents.shape[1:]}")
    if not np.all(np.isfinite(currents)):
        raise ValueError("currents: contains NaN or infinite values")
    if not (isinstance(seed, int | np.integer) and seed >= 0):
        raise ValueError(f"seed={seed!r}: expected an integer >= 0")
    if not (isinstance(step0, int | np.integer) and step0 >= 0):
        raise ValueError(f"step0={step0!r}: expected an integer >= 0")
    new = LIFState(
        np.array(state.v, dtype=np.float64, order="C"),
        np.array(state.i_syn, dtype=np.float64, order="C"),
        np.array(state.refractory, dtype=np.int64, order="C"),
        np.array(state.trace, dtype=np.float64, order="C"),
    )
    constants = _LifConstants(
        float(params.v_decay),
        float(params.syn_decay),
        float(params.theta),
        float(params.v_reset),
        int(params.refractory_steps),
        float(params.trace_decay),
        float(params.threshold_noise_std),
    )
    spikes = np.empty(currents.shape, np.uint8)
    n_spikes = _lif_kernel(currents, *new, constants, int(seed), int(step0), spikes)
    return spikes, new, Events(neuron_updates=currents.size, spikes=int(n_spikes))

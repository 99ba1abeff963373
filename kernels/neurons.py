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

import numba
import numpy as np

from devices.jit import parallel_jit

from .rng import STREAM_THRESHOLD, key4, next_normal


@dataclass(frozen=True, slots=True)
class LIFParams:
    """Neuron constants, per time step. Validated; every error names the field."""

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


@dataclass
class LIFState:
    """Per-neuron state, each (batch, n): membrane, synaptic current, refractory counter,
    learning trace."""

    v: np.ndarray
    i_syn: np.ndarray
    refractory: np.ndarray
    trace: np.ndarray

    @classmethod
    def zeros(cls, batch: int, n: int, v_reset: float = 0.0) -> LIFState:
        return cls(
            np.full((batch, n), float(v_reset)),
            np.zeros((batch, n)),
            np.zeros((batch, n), np.int64),
            np.zeros((batch, n)),
        )


@parallel_jit
def lif_run_arrays(
    currents,
    v,
    i_syn,
    refractory,
    trace,
    v_decay,
    syn_decay,
    theta,
    v_reset,
    refractory_steps,
    trace_decay,
    noise_std,
    seed,
    step0,
    spikes,
):
    """Run T steps for every sample (in parallel over the batch). Returns spike count."""
    steps, batch, n = currents.shape
    totals = np.zeros(batch, np.int64)
    for b in numba.prange(batch):
        for t in range(steps):
            state = key4(seed, STREAM_THRESHOLD, step0 + t, b)
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
                        z, state = next_normal(state)
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
) -> tuple[np.ndarray, dict]:
    """Run LIF neurons on input currents (T, batch, n); ``state`` is updated in place.
    Returns (spikes (T, batch, n) uint8, events with neuron updates and spikes)."""
    currents = np.ascontiguousarray(currents, dtype=np.float64)
    if currents.ndim != 3:
        raise ValueError(f"currents: shape {currents.shape}: expected (T, batch, n)")
    if state.v.shape != currents.shape[1:]:
        raise ValueError(f"state: shape {state.v.shape}: expected {currents.shape[1:]}")
    if not np.all(np.isfinite(currents)):
        raise ValueError("currents: contains NaN or infinite values")
    spikes = np.empty(currents.shape, np.uint8)
    n_spikes = lif_run_arrays(
        currents,
        state.v,
        state.i_syn,
        state.refractory,
        state.trace,
        params.v_decay,
        params.syn_decay,
        params.theta,
        params.v_reset,
        params.refractory_steps,
        params.trace_decay,
        params.threshold_noise_std,
        int(seed),
        int(step0),
        spikes,
    )
    return spikes, {"neuron_updates": int(currents.size), "spikes": int(n_spikes)}

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kernels.neurons import LIFParams, LIFState, lif_run

from . import naive
from .tolerances import N_STANDARD_ERRORS as K


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 4),
    st.integers(1, 6),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.9),
    st.integers(0, 3),
    st.sampled_from([0.0, 0.3]),
    st.integers(0, 99),
)
def test_lif_matches_naive(steps, batch, n, v_decay, syn_decay, refractory, noise, seed):
    params = LIFParams(
        v_decay=v_decay,
        syn_decay=syn_decay,
        theta=1.0,
        v_reset=0.0,
        refractory_steps=refractory,
        trace_decay=0.7,
        threshold_noise_std=noise,
    )
    currents = np.random.default_rng(seed).uniform(-0.2, 1.0, (steps, batch, n))
    state = LIFState.zeros(batch, n)
    ref = naive.lif(currents, state.v, state.i_syn, state.refractory, state.trace, params, seed, 5)
    spikes, events = lif_run(currents, state, params, seed=seed, step0=5)
    np.testing.assert_array_equal(spikes, ref[0])
    np.testing.assert_array_equal(state.v, ref[1])
    np.testing.assert_array_equal(state.i_syn, ref[2])
    np.testing.assert_array_equal(state.refractory, ref[3])
    np.testing.assert_array_equal(state.trace, ref[4])
    assert events == {"neuron_updates": currents.size, "spikes": int(ref[0].sum())}


def test_stochastic_threshold_fires_with_the_gaussian_probability():
    """One step from rest with input I: P(spike) = Phi((I - theta) / sigma)."""
    params = LIFParams(theta=1.0, threshold_noise_std=0.2)
    n = 20_000
    currents = np.full((1, 1, n), 0.9)
    spikes, _ = lif_run(currents, LIFState.zeros(1, n), params, seed=3)
    p = stats.norm.cdf((0.9 - 1.0) / 0.2)
    assert abs(spikes.mean() - p) < K * math.sqrt(p * (1 - p) / n)


def test_refractory_period_and_reset():
    params = LIFParams(v_decay=1.0, theta=1.0, refractory_steps=2)
    currents = np.full((6, 1, 1), 1.0)
    spikes, _ = lif_run(currents, LIFState.zeros(1, 1), params)
    assert spikes[:, 0, 0].tolist() == [1, 0, 0, 1, 0, 0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"v_decay": 1.5}, "v_decay"),
        ({"v_reset": 2.0}, "v_reset"),
        ({"refractory_steps": -1}, "refractory_steps"),
        ({"threshold_noise_std": -0.1}, "threshold_noise_std"),
    ],
)
def test_bad_neuron_parameters_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        LIFParams(**kwargs)


def test_bad_currents_are_clear():
    with pytest.raises(ValueError, match="currents"):
        lif_run(np.zeros((3, 4)), LIFState.zeros(3, 4), LIFParams())
    with pytest.raises(ValueError, match="state"):
        lif_run(np.zeros((2, 3, 4)), LIFState.zeros(3, 5), LIFParams())

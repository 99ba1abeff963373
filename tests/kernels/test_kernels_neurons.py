import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kernels.neurons import LIFParams, LIFState, lif_run
from tests import naive
from tests.support.tolerances import N_STANDARD_ERRORS as K


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
    rng = np.random.default_rng(seed)
    currents = rng.uniform(-0.2, 1.0, (steps, batch, n))
    state = LIFState(  # a state in the middle of a run
        rng.uniform(-0.5, 0.9, (batch, n)),
        rng.uniform(0.0, 0.5, (batch, n)),
        rng.integers(0, refractory + 1, (batch, n)),
        rng.uniform(0.0, 1.0, (batch, n)),
    )
    before = [a.copy() for a in state]
    ref = naive.lif(currents, state.v, state.i_syn, state.refractory, state.trace, params, seed, 5)
    spikes, new, events = lif_run(currents, state, params, seed=seed, step0=5)
    np.testing.assert_array_equal(spikes, ref[0])
    np.testing.assert_array_equal(new.v, ref[1])
    np.testing.assert_array_equal(new.i_syn, ref[2])
    np.testing.assert_array_equal(new.refractory, ref[3])
    np.testing.assert_array_equal(new.trace, ref[4])
    assert events == {"neuron_updates": currents.size, "spikes": int(ref[0].sum())}
    for given_array, copy in zip(state, before, strict=True):  # state in, state out
        np.testing.assert_array_equal(given_array, copy)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 10), st.integers(1, 9), st.integers(0, 99))
def test_a_run_split_in_two_is_the_whole_run(steps, split, seed):
    """Passing the returned state on (and the step key) continues the run exactly."""
    split = min(split, steps - 1)
    params = LIFParams(v_decay=0.8, syn_decay=0.4, refractory_steps=1, threshold_noise_std=0.3)
    currents = np.random.default_rng(seed).uniform(-0.2, 1.0, (steps, 3, 4))
    whole, end, events = lif_run(currents, LIFState.zeros(3, 4), params, seed=seed, step0=7)
    first, middle, ev1 = lif_run(currents[:split], LIFState.zeros(3, 4), params, seed=seed, step0=7)
    second, end2, ev2 = lif_run(currents[split:], middle, params, seed=seed, step0=7 + split)
    np.testing.assert_array_equal(whole, np.concatenate([first, second]))
    for a, b in zip(end, end2, strict=True):
        np.testing.assert_array_equal(a, b)
    assert ev1 + ev2 == events


def test_stochastic_threshold_fires_with_the_gaussian_probability():
    """One step from rest with input I: P(spike) = Phi((I - theta) / sigma)."""
    params = LIFParams(theta=1.0, threshold_noise_std=0.2)
    n = 20_000
    currents = np.full((1, 1, n), 0.9)
    spikes, _, _ = lif_run(currents, LIFState.zeros(1, n), params, seed=3)
    p = stats.norm.cdf((0.9 - 1.0) / 0.2)
    assert abs(spikes.mean() - p) < K * math.sqrt(p * (1 - p) / n)


def test_refractory_period_and_reset():
    params = LIFParams(v_decay=1.0, theta=1.0, refractory_steps=2)
    currents = np.full((6, 1, 1), 1.0)
    spikes, _, _ = lif_run(currents, LIFState.zeros(1, 1), params)
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
    with pytest.raises(ValueError, match="step0"):
        lif_run(np.zeros((2, 3, 4)), LIFState.zeros(3, 4), LIFParams(), step0=-1)

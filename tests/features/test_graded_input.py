"""Graded input (the default temporal encoding): each coefficient's standardised value,
clipped and scaled to [-1, 1], rounded to the levels of a signed DAC and held for the
frame's steps."""

from __future__ import annotations

import numpy as np
import pytest

from raven.features.pipeline import graded_levels


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_levels_are_the_signed_dacs(bits):
    half = max(2 ** (bits - 1) - 1, 1)
    values = np.linspace(-1.5, 1.5, 301).reshape(1, 301, 1)
    levels = graded_levels(values, bits, steps_per_frame=1)
    allowed = np.arange(-half, half + 1) / half
    assert np.isin(np.round(levels * half), np.arange(-half, half + 1)).all()
    assert set(np.unique(levels)) <= set(allowed)
    # nearest level, clipped to [-1, 1]
    expected = np.round(np.clip(values, -1, 1) * half) / half
    np.testing.assert_array_equal(levels, expected)


def test_ideal_dac_keeps_the_values_and_frames_hold_for_their_steps():
    rng = np.random.default_rng(0)
    values = rng.uniform(-1, 1, (2, 5, 3))
    levels = graded_levels(values, 0, steps_per_frame=3)
    assert levels.shape == (2, 15, 3)
    np.testing.assert_array_equal(levels[:, 0::3], values)
    np.testing.assert_array_equal(levels[:, 1::3], values)
    np.testing.assert_array_equal(levels[:, 2::3], values)

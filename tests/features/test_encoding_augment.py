import math

import numpy as np
import pytest

from raven.config.inputs import AugmentConfig
from raven.data.augment import augment_clip, clip_key, clip_rng, silence_clip
from raven.features.encoding import EncoderConfig, FeatureScaler, encode
from tests.support.datasets import tone
from tests.support.tolerances import N_STANDARD_ERRORS as K


def values(batch=4, frames=49, n=10, seed=0):
    return np.random.default_rng(seed).random((batch, frames, n)).astype(np.float32)


def test_rate_code_is_deterministic_per_clip_and_has_the_right_rate():
    v = values(batch=8)
    cfg = EncoderConfig(kind="rate", steps_per_frame=4, max_rate=0.6)
    a = encode(v, cfg, clip_keys=np.arange(8), seed=1)
    b = encode(v[::-1], cfg, clip_keys=np.arange(8)[::-1], seed=1)
    np.testing.assert_array_equal(a.spikes, b.spikes[::-1])  # independent of batch order
    p = np.repeat(v * 0.6, 4, axis=1)
    expected, var = p.sum(), (p * (1 - p)).sum()
    assert abs(a.n_spikes - expected) < K * math.sqrt(var)
    assert a.sparsity == pytest.approx(1 - a.n_spikes / a.spikes.size)
    assert encode(v, cfg, clip_keys=np.arange(8), seed=2).n_spikes != a.n_spikes


def test_send_on_delta_tracks_the_signal_within_one_threshold():
    t = np.linspace(0, 1, 49)
    v = (0.5 + 0.4 * np.sin(2 * np.pi * 2 * t))[None, :, None].astype(np.float32)
    cfg = EncoderConfig(kind="send_on_delta", steps_per_frame=4, threshold=0.05)
    out = encode(v, cfg).spikes[0]
    on, off = out[:, 0].reshape(49, 4).sum(1), out[:, 1].reshape(49, 4).sum(1)
    reconstructed = v[0, 0, 0] + 0.05 * np.cumsum(on.astype(int) - off.astype(int))
    assert np.all(np.abs(reconstructed - v[0, :, 0]) < 0.05 + 1e-6)
    assert out.shape == (49 * 4, 2)


def test_latency_code_fires_once_per_active_value_earlier_for_larger_values():
    v = np.array([[[0.05, 0.3, 1.0]]], np.float32)
    out = encode(v, EncoderConfig(kind="latency", steps_per_frame=5, min_value=0.1)).spikes[0]
    assert out[:, 0].sum() == 0 and out[:, 1].sum() == 1 and out[:, 2].sum() == 1
    assert np.argmax(out[:, 2]) < np.argmax(out[:, 1])


def test_encoder_rejects_unscaled_values():
    with pytest.raises(ValueError, match="FeatureScaler"):
        encode(np.full((1, 2, 3), 5.0), EncoderConfig())


def test_rate_code_needs_a_key_per_clip():
    """Without keys the b-th clip of every call drew the same generator ([seed, b]): two
    batches encoded apart shared their spike noise. The stochastic code asks for keys."""
    with pytest.raises(ValueError, match=r"clip_keys: required by the rate code"):
        encode(values(batch=2), EncoderConfig(kind="rate"))


def test_scaler_maps_training_features_into_unit_range():
    feats = np.random.default_rng(0).normal(3.0, 2.0, (100, 49, 10))
    scaled = FeatureScaler.fit(feats)(feats)
    assert scaled.min() >= 0 and scaled.max() <= 1
    assert abs(float(np.median(scaled)) - 0.5) < 0.02


def test_augmentation_is_deterministic_and_bounded():
    cfg = AugmentConfig()
    clean = tone(440).astype(np.float32)
    noise = [np.random.default_rng(1).normal(0, 0.3, 50_000).astype(np.float32)]
    key = clip_key("yes/abc_nohash_0.wav")
    a = augment_clip(clean, clip_rng(7, 0, key), noise, cfg)
    b = augment_clip(clean, clip_rng(7, 0, key), noise, cfg)
    c = augment_clip(clean, clip_rng(7, 1, key), noise, cfg)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == clean.shape and np.abs(a).max() <= 1.0


def test_noise_is_mixed_into_the_configured_fraction_of_clips():
    cfg = AugmentConfig(time_shift_ms=0.0)
    clean = np.zeros(16000, np.float32)
    noise = [np.ones(40_000, np.float32)]
    n = 2000
    noisy = sum(augment_clip(clean, clip_rng(0, k, 1), noise, cfg).any() for k in range(n))
    assert abs(noisy / n - 0.8) < K * math.sqrt(0.8 * 0.2 / n)


def test_time_shift_stays_within_100_ms():
    cfg = AugmentConfig(background_frequency=0.0)
    impulse = np.zeros(16000, np.float32)
    impulse[8000] = 1.0
    shifts = [
        int(np.argmax(augment_clip(impulse, clip_rng(0, k, 2), [], cfg))) - 8000 for k in range(300)
    ]
    assert max(np.abs(shifts)) <= 1600 and min(shifts) < -1000 and max(shifts) > 1000


def test_silence_clip_is_scaled_background():
    noise = [np.ones(40_000, np.float32)]
    clip = silence_clip(clip_rng(0, 0, 3), noise, AugmentConfig())
    assert clip.shape == (16000,) and np.all(clip == clip[0]) and 0 <= clip[0] <= 1

"""MFCC front end against librosa, its operation count, and the feature cache."""

import json
import os
import time

import numpy as np
import pytest

from raven.config.inputs import FeatureConfig
from raven.data.speech_commands import index_dataset
from raven.features.cache import extract_features, load_feature_set
from raven.features.encoding import EncoderConfig
from raven.features.mfcc import FeatureExtractor
from tests.support.datasets import make_folder_layout, make_full_layout, tone

# Features are computed in float32; against librosa's float64 they agree to ~2e-5 on
# coefficients of magnitude up to ~100 (measured). The tolerance leaves a 5x margin.
PARITY_ATOL = 1e-4


@pytest.mark.parametrize("kind", ["mfcc", "logmel"])
def test_features_match_librosa(kind):
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(0)
    audio = (tone(440) + tone(1300, amp=0.1) + 0.05 * rng.normal(size=16000)).astype(np.float32)
    cfg = FeatureConfig(kind=kind, n_fft=640)  # librosa frames n_fft samples: match the window
    ours = FeatureExtractor(cfg)(audio)
    mel = librosa.feature.melspectrogram(
        y=audio.astype(np.float64),
        sr=16000,
        n_fft=640,
        win_length=640,
        hop_length=320,
        window="hann",
        center=False,
        power=2.0,
        n_mels=40,
        fmin=20.0,
        fmax=4000.0,
        htk=True,
        norm=None,
    )
    log_mel = np.log(mel + cfg.log_floor)
    ref = (
        log_mel
        if kind == "logmel"
        else librosa.feature.mfcc(S=log_mel, n_mfcc=10, dct_type=2, norm="ortho")
    )
    assert ours.shape == ref.T.shape
    np.testing.assert_allclose(ours, ref.T, atol=PARITY_ATOL)


def test_default_shape_and_operation_count():
    fe = FeatureExtractor()
    assert fe(np.zeros(16000, np.float32)).shape == (49, 10)
    ops = fe.operation_count()
    assert ops["window_mults"] == 49 * 640
    assert ops["fft_flops"] == int(49 * 2.5 * 1024 * 10)
    assert ops["dct_flops"] == 49 * 2 * 10 * 40
    assert ops["mel_flops"] == 49 * 2 * int(np.count_nonzero(fe.filters))
    assert ops["total"] == sum(v for k, v in ops.items() if k != "total")


def test_batch_equals_single_clips():
    fe = FeatureExtractor()
    batch = np.random.default_rng(1).normal(0, 0.1, (70, 16000)).astype(np.float32)
    np.testing.assert_array_equal(fe(batch)[[0, 69]], np.stack([fe(batch[0]), fe(batch[69])]))
    # the chunk size sets the memory in use, never the features (70 clips: ragged chunks)
    for chunk in (1, 7, 64, 128):
        np.testing.assert_array_equal(fe(batch, chunk=chunk), fe(batch))


@pytest.mark.parametrize(
    ("config", "kwargs", "field"),
    [
        (FeatureConfig, {"kind": "plp"}, "kind"),
        (FeatureConfig, {"n_fft": 256}, "n_fft"),
        (FeatureConfig, {"n_mfcc": 50}, "n_mfcc"),
        (FeatureConfig, {"f_max_hz": 9000.0}, "f_max_hz"),
        (FeatureConfig, {"window_ms": 2000.0}, "window_ms"),
        (EncoderConfig, {"kind": "phase"}, "kind"),
        (EncoderConfig, {"steps_per_frame": 0}, "steps_per_frame"),
        (EncoderConfig, {"max_rate": 1.5}, "max_rate"),
    ],
)
def test_bad_front_end_config_names_the_field(config, kwargs, field):
    """The configurations of the features and of their spike encoding."""
    with pytest.raises(ValueError, match=field):
        config(**kwargs)


def test_wrong_clip_length_is_a_clear_error():
    with pytest.raises(ValueError, match="clip_samples"):
        FeatureExtractor()(np.zeros((2, 8000), np.float32))


def test_cache_is_reused_and_invalidated(tmp_path):
    root = make_folder_layout(tmp_path / "data", per_label=5)
    index = index_dataset(root, task="folder", split_source="all")
    cache = tmp_path / "cache"
    first = extract_features(index, "testing", cache_dir=cache, workers=2, progress=False)
    assert first.path is not None and (first.path / "features.npy").is_file()
    second = extract_features(index, "testing", cache_dir=cache, workers=1, progress=False)
    assert second.path == first.path and isinstance(second.features, np.memmap)
    np.testing.assert_array_equal(second.features, first.features)
    assert second.files == first.files
    # A different feature configuration is a different cache entry.
    other = extract_features(
        index, "testing", FeatureConfig(kind="logmel"), cache_dir=cache, workers=1, progress=False
    )
    assert other.path != first.path and other.features.shape[-1] == 40
    # A changed file invalidates the entry.
    clip = root / "alpha" / "clip0.wav"
    later = time.time() + 5
    os.utime(clip, (later, later))
    changed = extract_features(
        index_dataset(root, task="folder", split_source="all"),
        "testing",
        cache_dir=cache,
        workers=1,
        progress=False,
    )
    assert changed.path != first.path
    # Nothing half-written is left behind; every entry is loadable on its own.
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]
    reloaded = load_feature_set(first.path)
    assert json.loads((first.path / "meta.json").read_text())["files"] == reloaded.files


def test_parallel_and_serial_extraction_agree(tmp_path):
    root = make_full_layout(tmp_path / "gsc", speakers=8)
    index = index_dataset(root, task="12")
    serial = extract_features(index, "training", workers=1, progress=False)
    parallel = extract_features(index, "training", workers=2, progress=False)
    np.testing.assert_array_equal(serial.features, parallel.features)
    assert serial.files == parallel.files
    assert any(f.startswith("_silence_#") for f in serial.files)  # generated silence

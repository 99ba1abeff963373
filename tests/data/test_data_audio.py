"""The bad-audio policy: skipped, resampled, mixed down, padded - always counted."""

import numpy as np
import pytest
from scipy.io import wavfile

from raven.data.audio import AudioError, AudioReport, read_wav, write_wav
from raven.data.speech_commands import index_dataset
from raven.features.cache import extract_features
from tests.support.datasets import make_folder_layout, tone


def test_good_clip_round_trip(tmp_path):
    write_wav(tmp_path / "a.wav", tone(440))
    report = AudioReport()
    audio = read_wav(tmp_path / "a.wav", report)
    assert audio.dtype == np.float32 and audio.shape == (16000,)
    np.testing.assert_allclose(audio, tone(440), atol=1 / 32767)
    assert report.read == 1 and report.resampled == report.mixed_down == report.padded == 0


def test_wrong_rate_is_resampled_and_counted(tmp_path):
    wavfile.write(tmp_path / "slow.wav", 8000, (tone(440, rate=8000) * 32767).astype(np.int16))
    report = AudioReport()
    audio = read_wav(tmp_path / "slow.wav", report)
    assert report.resampled == 1 and audio.shape == (16000,)
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) - 440) <= 1  # still a 440 Hz tone at 16 kHz (1 Hz bins)


def test_stereo_is_mixed_down_and_counted(tmp_path):
    left, right = tone(300), np.zeros(16000)
    wavfile.write(
        tmp_path / "st.wav", 16000, (np.stack([left, right], axis=1) * 32767).astype(np.int16)
    )
    report = AudioReport()
    audio = read_wav(tmp_path / "st.wav", report)
    assert report.mixed_down == 1
    np.testing.assert_allclose(audio, left / 2, atol=1e-4)


def test_short_clip_is_padded_and_counted(tmp_path):
    write_wav(tmp_path / "short.wav", tone(440, seconds=0.5))
    report = AudioReport()
    audio = read_wav(tmp_path / "short.wav", report)
    assert report.padded == 1 and audio.shape == (16000,) and np.all(audio[8000:] == 0)


@pytest.mark.parametrize("case", ["empty", "garbage", "truncated", "cut_data", "missing"])
def test_unusable_files_raise_an_error_naming_the_file(tmp_path, case):
    path = tmp_path / f"{case}.wav"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(2000))
    elif case == "truncated":
        write_wav(path, tone(440))
        path.write_bytes(path.read_bytes()[:30])  # header cut in the middle
    elif case == "cut_data":
        write_wav(path, tone(440))
        path.write_bytes(path.read_bytes()[:1000])  # data chunk shorter than its header says
    with pytest.raises(AudioError, match=case):
        read_wav(path)


def test_extraction_skips_counts_and_lists_bad_files(tmp_path):
    root = make_folder_layout(tmp_path / "mine", per_label=3)
    (root / "alpha" / "broken.wav").write_bytes(b"RIFF....WAVEfmt nonsense")
    (root / "alpha" / "empty.wav").write_bytes(b"")
    wavfile.write(
        root / "beta" / "rate8k.wav", 8000, (tone(500, rate=8000) * 30000).astype(np.int16)
    )
    index = index_dataset(root, task="folder", split_source="all")
    fs = extract_features(index, "testing", workers=1, progress=False)
    assert len(fs) == 7  # 6 good + the resampled one
    assert fs.report["skipped"] == 2 and fs.report["resampled"] == 1
    skipped = {item["file"] for item in fs.report["skipped_files"]}
    assert skipped == {"alpha/broken.wav", "alpha/empty.wav"}
    assert all(item["reason"] for item in fs.report["skipped_files"])

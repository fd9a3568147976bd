"""The feature function and window rule match models/METADATA.md."""
import librosa
import numpy as np
import pytest

from training.config import FRONTEND, INPUT_SHAPE, LOG_FLOOR_DB, SAMPLE_RATE, WINDOW
from training.features import clip_windows, log_mel, n_frames, normalize, window_at


def test_contract_values():
    assert FRONTEND == {"n_fft": 512, "win_length": 400, "hop_length": 160, "window": "hann",
                        "center": False, "n_mels": 64, "fmin": 0.0, "fmax": 8000.0,
                        "mel_scale": "slaney", "mel_norm": "slaney", "power": 2.0,
                        "amin": 1e-10, "ref": 1.0}
    assert SAMPLE_RATE == 16000 and WINDOW == {"frames": 300, "hop_frames": 50}
    assert INPUT_SHAPE == (1, 1, 64, 300) and LOG_FLOOR_DB == -100.0


@pytest.mark.parametrize("n", [512, 513, 672, 16000, 48123])
def test_shape_and_frames_formula(n):
    y = np.random.default_rng(n).uniform(-0.5, 0.5, n).astype(np.float32)
    mel = log_mel(y)
    assert mel.shape == (64, 1 + (n - 512) // 160) == (64, n_frames(n))
    assert mel.dtype == np.float32


def test_matches_metadata_formula():
    y = np.random.default_rng(1).uniform(-0.5, 0.5, 8000).astype(np.float32)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(
        y=y, sr=16000, n_fft=512, win_length=400, hop_length=160, window="hann", center=False,
        power=2.0, n_mels=64, fmin=0.0, fmax=8000.0, htk=False, norm="slaney"),
        ref=1.0, amin=1e-10, top_db=None)
    np.testing.assert_allclose(log_mel(y), ref, atol=1e-4)
    np.testing.assert_allclose(log_mel(np.zeros(8000, np.float32)), LOG_FLOOR_DB)


def test_short_clip_right_padded_with_floor():
    mel = np.random.default_rng(2).normal(-40, 10, (64, 120)).astype(np.float32)
    windows = clip_windows(mel)
    assert windows.shape == (1, 64, 300)
    np.testing.assert_array_equal(windows[0, :, :120], mel)
    assert np.all(windows[0, :, 120:] == LOG_FLOOR_DB)


def test_long_clip_windows_every_hop():
    mel = np.arange(64 * 420, dtype=np.float32).reshape(64, 420)
    windows = clip_windows(mel)
    assert windows.shape == (3, 64, 300)  # starts 0, 50, 100
    np.testing.assert_array_equal(windows[2], mel[:, 100:400])
    np.testing.assert_array_equal(window_at(mel, 0), mel[:, :300])


def test_normalize_per_band():
    x = np.ones((64, 300), np.float32) * np.arange(64, dtype=np.float32)[:, None]
    out = normalize(x, np.arange(64, dtype=np.float32), np.full(64, 2.0, np.float32))
    assert np.all(out == 0)

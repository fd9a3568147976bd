"""The out-of-family conditions colour, reverberate and ride the level as their names say, the same way every
run, by other methods than training's, which never imports them."""
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

from training import acoustics, unseen
from training.config import SAMPLE_RATE

from .test_acoustics import speech_like


def response_at(h: np.ndarray, freqs: tuple) -> np.ndarray:
    w, H = scipy.signal.freqz(h, worN=8192, fs=SAMPLE_RATE)
    db = 20 * np.log10(np.abs(H) + 1e-12)
    return np.array([db[np.argmin(np.abs(w - f))] for f in freqs])


@pytest.mark.parametrize("kind, sign", [("dark", -1), ("bright", 1)])
def test_colourings_tilt_by_at_least_10_dB_from_300_Hz_to_6_kHz(kind, sign):
    for seed in range(8):
        h = unseen.random_colouring(np.random.default_rng(seed), kind)
        low, high = response_at(h, (300, 6000))
        assert sign * (high - low) >= 10.0 - 3.0, (kind, seed, low, high)  # a bump may take back up to 3 dB


def test_colourings_cut_the_lows_and_keep_the_level():
    h = unseen.random_colouring(np.random.default_rng(1), "bright")
    at_60, at_1k = response_at(h, (60, 1000))
    assert at_60 < at_1k - 12
    y = speech_like()
    out = unseen.filter_same_rms(y, h)
    assert out.shape == y.shape and abs(acoustics.rms(out) / acoustics.rms(y) - 1) < 1e-4


def decay_time(h: np.ndarray, centre: float) -> float:
    """RT60 from the T20 of a band's Schroeder curve."""
    sos = scipy.signal.butter(3, [centre / np.sqrt(2), centre * np.sqrt(2)], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    e = np.cumsum(scipy.signal.sosfilt(sos, h.astype(np.float64))[::-1] ** 2)[::-1]
    db = 10 * np.log10(e / e[0] + 1e-12)
    return 3 * (np.argmax(db < -25) - np.argmax(db < -5)) / SAMPLE_RATE


def test_statistical_rooms_decay_slower_in_the_lows_than_the_highs():
    h = unseen.stochastic_rir(0.6, 1.5, 3)
    rt = {f: decay_time(h, f) for f in (250, 1000, 4000)}
    assert 0.45 < rt[1000] < 0.75, rt
    assert rt[250] > rt[1000] > rt[4000], rt


def test_conditions_are_fixed_per_clip_and_finite():
    y = speech_like(3.0)
    for name, condition in unseen.CONDITIONS.items():
        a, b = condition.apply(y, 11, []), condition.apply(y, 11, [])
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert a.shape == y.shape and np.all(np.isfinite(a)) and np.abs(a).max() <= 1.0, name
        assert not np.allclose(a, y, atol=1e-3), name


def test_laptop_rides_the_level_up_and_records_16_bit():
    y = speech_like(3.0) * 0.01
    out = unseen.CONDITIONS["laptop"].apply(y, 5, [])
    np.testing.assert_array_equal(out, acoustics.to_16_bit(out))
    assert 20 * np.log10(acoustics.rms(out)) > -30, "a quiet talker is brought up towards -20 dBFS"


def test_training_never_uses_the_unseen_methods():
    source = Path(acoustics.__file__).read_text()
    assert "unseen" not in source and "firwin" not in source, "training's chain must not draw from the unseen family"
    assert "pyroomacoustics" not in Path(unseen.__file__).read_text(), "unseen rooms come from another method"

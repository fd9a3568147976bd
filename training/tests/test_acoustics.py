"""The acoustic conditions do what their names say, the same way every run, and training never draws
validation's rooms, noises or speakers."""
import numpy as np
import pyroomacoustics as pra
import pytest
import scipy.signal

from training import acoustics as A
from training.config import SAMPLE_RATE
from training.conditions import babble_talkers, validation_talkers
from training.config import RECIPE
from training.data import load_manifest, select, speaker_folds, split


def speech_like(seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    """Harmonics of 150 Hz under a syllable-rate envelope: enough to measure bands and levels."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    y = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 40))
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    return (0.1 * y * env + 0.001 * np.random.default_rng(seed).standard_normal(t.size)).astype(np.float32)


def band_db(y: np.ndarray, low: float, high: float) -> float:
    f, p = scipy.signal.welch(y, SAMPLE_RATE, nperseg=1024)
    return 10 * np.log10(p[(f >= low) & (f < high)].sum() + 1e-20)


def test_every_condition_is_deterministic_finite_and_keeps_the_length():
    y, talkers = speech_like(), [speech_like(1.5, s) for s in range(1, 8)]
    for name, condition in A.CONDITIONS.items():
        a, b = condition.apply(y, 5, talkers), condition.apply(y, 5, talkers)
        assert a.shape == y.shape and a.dtype == np.float32, name
        assert np.all(np.isfinite(a)), name
        np.testing.assert_array_equal(a, b, err_msg=name)
        if name != "clean":
            assert not np.array_equal(a, y), name


@pytest.mark.parametrize("snr", [20.0, 10.0, 5.0])
def test_noise_is_mixed_at_the_stated_snr(snr):
    y = speech_like()
    for colour in ("white", "pink", "babble"):
        noisy = A.CONDITIONS[f"{colour}-{int(snr)}dB"].apply(y, 3, [speech_like(1.0, s) for s in range(6)])
        measured = 20 * np.log10(A.rms(y) / A.rms(noisy - y))
        assert abs(measured - snr) < 0.01, (colour, measured)


def test_pink_noise_falls_3_db_per_octave_and_white_is_flat():
    n = 1 << 18
    for exponent, slope in ((0.0, 0.0), (1.0, -3.0)):
        f, p = scipy.signal.welch(A.coloured_noise(n, exponent, 1), SAMPLE_RATE, nperseg=4096)
        per_octave = 10 * np.log10(p[(f > 1900) & (f < 2100)].mean() / p[(f > 950) & (f < 1050)].mean())
        assert abs(per_octave - slope) < 0.6, (exponent, per_octave)


@pytest.mark.parametrize("rt60, distance", [(0.3, 0.75), (0.6, 1.5), (0.9, 2.5)])
def test_rooms_have_about_the_asked_reverberation_time(rt60, distance):
    h = A.room_impulse_response(rt60, distance, 1)
    measured = pra.experimental.measure_rt60(h, fs=SAMPLE_RATE, decay_db=30)
    assert 0.7 * rt60 < measured < 1.35 * rt60, measured


def test_reverberation_changes_the_sound_not_the_level():
    y = speech_like()
    wet = A.CONDITIONS["room-medium"].apply(y, 2, [])
    assert abs(A.rms(wet) / A.rms(y) - 1) < 1e-3
    far = A.CONDITIONS["far-quiet"].apply(y, 2, [])
    assert abs(20 * np.log10(A.rms(far) / A.rms(y)) + 30) < 0.5
    np.testing.assert_array_equal(far, np.round(far * 32768) / 32768)  # a 16-bit recording


def test_telephone_keeps_only_the_phone_band():
    y = speech_like(3.0)
    phone = A.CONDITIONS["telephone"].apply(y, 0, [])
    inside = band_db(phone, 500, 3000)
    assert inside - band_db(phone, 4200, 8000) > 40, "nothing above the 8 kHz line's band"
    assert inside - band_db(phone, 0, 150) > 15, "low frequencies cut"
    assert band_db(y, 4200, 8000) - band_db(y, 500, 3000) > -40, "the test signal had highs to lose"


def test_cheap_microphone_clips_about_two_percent():
    out = A.CONDITIONS["cheap-mic"].apply(speech_like(), 0, [])
    clipped = np.mean(out >= out.max() * 0.9999) + np.mean(out <= out.min() * 0.9999)
    assert 0.01 < clipped < 0.03, clipped


def test_training_chain_is_seeded_apart_from_validation():
    y, talkers = speech_like(), [speech_like(1.0, s) for s in range(6)]
    a = A.random_chain(y, A.TRAINING_SEEDS + 7, talkers, 0.5, 0.5, 0.4)
    np.testing.assert_array_equal(a, A.random_chain(y, A.TRAINING_SEEDS + 7, talkers, 0.5, 0.5, 0.4))
    with pytest.raises(AssertionError):
        A.random_chain(y, 7, talkers, 0.5, 0.5, 0.4)


def test_babble_never_carries_a_held_out_speaker(data_dir):
    clips = select(load_manifest(data_dir), RECIPE)
    folds = speaker_folds(clips, RECIPE.folds)
    talkers = babble_talkers(clips, folds)
    assert all(talkers.values()), "every voice has talkers"
    for val in folds:
        train, held_out = split(clips, val)
        for voice in {c.voice for c in train}:
            assert not {o.voice for o in talkers[voice]} & set(val), voice
        sources = validation_talkers(clips, val)
        assert set(sources) == {c.corpus for c in held_out}
        for corpus, mates in sources.items():
            assert mates and {c.corpus for c in mates} == {corpus} and not {c.voice for c in mates} & set(val)

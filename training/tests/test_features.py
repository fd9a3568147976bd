"""The feature function and window rule match models/METADATA.md."""
import librosa
import numpy as np
import pytest
import soundfile

from training.config import FRONTEND, INPUT_SHAPE, LEVEL_FRAMES, LOG_FLOOR_DB, SAMPLE_RATE, WINDOW
from training.features import (HISTORY_FRAMES, NORMALIZATIONS, Normalizer, Stats, band_stats, clip_ends, load_audio, log_mel, n_frames,
                               stream_slices, trailing_level)


def test_contract_values():
    assert FRONTEND == {"n_fft": 512, "win_length": 400, "hop_length": 160, "window": "hann",
                        "center": False, "n_mels": 64, "fmin": 0.0, "fmax": 8000.0,
                        "mel_scale": "slaney", "mel_norm": "slaney", "power": 2.0,
                        "amin": 1e-10, "ref": 1.0}
    assert SAMPLE_RATE == 16000 and WINDOW == {"frames": 300, "hop_frames": 50}
    assert INPUT_SHAPE == (1, 1, 64, 361) and LOG_FLOOR_DB == -100.0 and LEVEL_FRAMES == 300


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


def _voice(f0_hz: float, formant_hz: float) -> np.ndarray:
    """One second of a steady vowel-like sound: harmonics of f0 under one broad resonance."""
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    y = sum(np.exp(-0.5 * ((k * f0_hz - formant_hz) / 300.0) ** 2) * np.sin(2 * np.pi * k * f0_hz * t)
            for k in range(1, int(4000 / f0_hz)))
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


@pytest.mark.parametrize("keeps, f0_hz, formant_hz, n", [
    ((), 110.0, 1100.0, int(np.ceil(SAMPLE_RATE / 1.1))),
    (("tempo",), 110.0, 1100.0, SAMPLE_RATE),
    (("tempo", "pitch"), 100.0, 1100.0, SAMPLE_RATE),
])
def test_speed_moves_what_it_does_not_keep(tmp_path, keeps, f0_hz, formant_hz, n):
    path = tmp_path / "voice.flac"
    soundfile.write(path, _voice(100.0, 1000.0), SAMPLE_RATE)
    y = load_audio(path, 1.1, keeps)
    middle = y[SAMPLE_RATE // 10:-SAMPLE_RATE // 10]  # away from the edges, where shifter and resampler settle
    pitch = np.median(librosa.yin(middle, fmin=60, fmax=300, sr=SAMPLE_RATE))
    power = np.abs(np.fft.rfft(middle)) ** 2
    hz = np.fft.rfftfreq(len(middle), 1 / SAMPLE_RATE)
    band = (hz > 200) & (hz < 3000)
    centroid = (hz[band] * power[band]).sum() / power[band].sum()  # where the resonance sits
    assert abs(pitch - f0_hz) < 2.0, pitch
    assert abs(centroid - formant_hz) < 30.0, centroid
    assert abs(len(y) - n) <= 2, len(y)


def test_speed_keeping_something_else_is_refused(tmp_path):
    path = tmp_path / "voice.flac"
    soundfile.write(path, _voice(100.0, 1000.0), SAMPLE_RATE)
    with pytest.raises(ValueError, match="keeps"):
        load_audio(path, 1.1, ("pitch",))


def test_short_clip_one_window_left_padded_with_floor():
    mel = np.random.default_rng(2).normal(-40, 10, (64, 120)).astype(np.float32)
    assert clip_ends(120) == [120]
    (window,) = stream_slices(mel, [120])
    assert window.shape == (64, HISTORY_FRAMES + INPUT_SHAPE[3])
    np.testing.assert_array_equal(window[:, -120:], mel)
    assert np.all(window[:, :-120] == LOG_FLOOR_DB)


def test_long_clip_windows_every_hop():
    mel = np.arange(64 * 420, dtype=np.float32).reshape(64, 420)
    assert clip_ends(420) == [300, 350, 400]
    windows = stream_slices(mel, [400])
    np.testing.assert_array_equal(windows[0, :, -400:], mel[:, :400])


def test_windows_after_another_utterance_start_with_the_clip():
    """A clip heard after another utterance: its windows end where they would alone, shifted by the frames
    before it, and a short clip's window holds the end of that utterance instead of the floor."""
    before = np.full((64, 80), -30.0, np.float32)
    assert clip_ends(420, 80) == [380, 430, 480]
    mel = np.random.default_rng(4).normal(-40, 10, (64, 120)).astype(np.float32)
    (window,) = stream_slices(np.concatenate([before, mel], axis=1), clip_ends(120, 80))
    np.testing.assert_array_equal(window[:, -120:], mel)
    np.testing.assert_array_equal(window[:, -200:-120], before)
    assert np.all(window[:, :-200] == LOG_FLOOR_DB)


def test_random_window_after_another_utterance():
    from training.augment import random_window
    rng = np.random.default_rng(5)
    before = np.full((64, 90), -30.0, np.float32)
    mel = np.random.default_rng(6).normal(-40, 10, (64, 320)).astype(np.float32)
    for _ in range(20):
        window, valid = random_window(mel, rng, before)
        end = window.shape[1] - int(np.argmax(valid))  # frames heard up to the window's end
        assert 90 + 300 <= end <= 90 + 320, "the window ends inside the clip"
        np.testing.assert_array_equal(window[:, -(end - 90):], mel[:, :end - 90])
        np.testing.assert_array_equal(window[:, valid][:, :90], before)


def test_level_normalization_cancels_gain_and_keeps_floor():
    """Each frame moved by the level of the LEVEL_FRAMES frames ending at it: a constant gain gives the same
    input; the floor stays the floor's normalized value; with no real frame, no shift."""
    rng = np.random.default_rng(3)
    mean, std = rng.uniform(-70, -40, 64).astype(np.float32), rng.uniform(10, 20, 64).astype(np.float32)
    mel = np.maximum(rng.normal(-55, 12, (64, 500)), LOG_FLOOR_DB + 5).astype(np.float32)
    norm = Normalizer(Stats(mean, std, -35.0))
    x, louder = norm.windows(mel, [500]), norm.windows(mel + 9.0, [500])
    np.testing.assert_allclose(louder, x, atol=1e-4)
    short = norm.windows(mel[:, :100], [100])[0]
    np.testing.assert_allclose(short[:, :-100], np.broadcast_to(((LOG_FLOOR_DB - mean) / std)[:, None], (64, 261)), atol=1e-5)
    # A frame's shift uses only frames up to it: the first real frame is moved to the reference level.
    first = short[:, -100] * std + mean
    np.testing.assert_allclose(10 * np.log10(np.mean(10 ** (first / 10))), norm.reference_db, atol=1e-3)
    quiet = norm(np.full((64, 10), LOG_FLOOR_DB, np.float32))
    np.testing.assert_allclose(quiet, np.broadcast_to(((LOG_FLOOR_DB - mean) / std)[:, None], (64, 10)), atol=1e-5)


def test_level_follows_speech_not_pauses():
    """The power mean is held by the loud frames: noise 20 dB under the speech filling its pauses moves the
    level by less than a decibel (a mean of dB would move by about 10)."""
    speech = np.full((64, 600), -30.0, np.float32)
    quiet, noisy = speech.copy(), speech.copy()
    quiet[:, 1::2], noisy[:, 1::2] = -90.0, -50.0
    levels = [trailing_level(m)[-1].item() for m in (quiet, noisy)]
    assert abs(levels[1] - levels[0]) < 1.0


def test_normalize_per_band():
    x = np.ones((64, 300), np.float32) * np.arange(64, dtype=np.float32)[:, None]
    out = Normalizer(Stats(np.arange(64, dtype=np.float32), np.full(64, 2.0, np.float32), 40.0))(x)
    level = 10 * np.log10(np.mean(10 ** (np.arange(64) / 10))) - 40.0  # every frame's level minus the reference
    np.testing.assert_allclose(out, -level / 2.0, atol=1e-5)


def test_band_normalization_cancels_a_devices_colouring_and_the_level_one_does_not():
    """A microphone's fixed colouring is an offset per band in dB: moving each band by its own trailing level
    ("bands") removes it once the history is full; moving every band by the spectrum's level keeps it."""
    rng = np.random.default_rng(5)
    mel = np.maximum(rng.normal(-55, 12, (64, 700)), LOG_FLOOR_DB + 20).astype(np.float32)  # coloured, still real
    colour = np.linspace(-7, 7, 64, dtype=np.float32)[:, None]
    level, bands = band_stats([mel]), band_stats([mel], "bands")
    assert bands.kind == "bands" and bands.reference_db.shape == (64,) and np.isscalar(level.reference_db)
    for stats, cancels in ((bands, True), (level, False)):
        norm = Normalizer(stats)
        x, coloured = norm.windows(mel, [700]), norm.windows(mel + colour, [700])
        gap = np.abs(coloured - x)[..., -300:].max()
        assert (gap < 1e-3) if cancels else (gap > 0.1), (stats.kind, gap)
    with pytest.raises(ValueError):
        Normalizer(level._replace(kind="cepstral"))


def test_metadata_keeps_the_normalization_kind():
    from training.metadata import normalization, stats
    rng = np.random.default_rng(0)
    mel = np.maximum(rng.normal(-55, 12, (64, 400)), LOG_FLOOR_DB + 5).astype(np.float32)
    for kind in NORMALIZATIONS:
        s = band_stats([mel], kind)
        back = stats({"normalization": normalization(s)})
        assert back.kind == kind and np.allclose(back.reference_db, s.reference_db)
    assert "kind" not in normalization(band_stats([mel])), "the runtime's contract names no kind for level"

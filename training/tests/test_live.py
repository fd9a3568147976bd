"""The live-window simulation mirrors the runtime: the gate of src/gate.rs (its own test cases), the stream's
windows and padding, and the recognizer's smoothing."""
import numpy as np

from training.config import LOG_FLOOR_DB
from training.features import Normalizer, Stats
from training.live import (by_speech, frame_levels, full_window_speech, is_speech, live_windows, probabilities,
                           smooth)

GATE = {"frame_db": -60.0, "min_active_fraction": 0.2, "min_range_db": 12.0}


def test_gate_matches_the_runtime_cases():
    assert not is_speech(np.full(300, -100.0), GATE)
    assert not is_speech(np.full(300, -20.0), GATE)
    assert not is_speech(np.array([]), GATE)
    assert is_speech(np.array([-25.0 if (t // 20) % 2 == 0 else -55.0 for t in range(300)]), GATE)
    click = np.full(300, -90.0)
    click[10] = -10.0
    assert not is_speech(click, GATE)


def test_levels_sum_band_power_and_floor_is_floor():
    mel = np.full((64, 3), LOG_FLOOR_DB, np.float32)
    mel[:, 1] = -40.0
    mel[0, 2] = -30.0
    np.testing.assert_allclose(frame_levels(mel), [LOG_FLOOR_DB, -40.0 + 10 * np.log10(64), -30.0], atol=1e-4)


def _speech(frames: int) -> np.ndarray:
    """A clip whose every frame is active (-30 dB bands) with syllable-like level swings."""
    mel = np.full((64, frames), -30.0, np.float32)
    mel[:, ::2] = -50.0
    return mel


def test_live_windows_follow_the_stream():
    norm = Normalizer(Stats(np.full(64, -60.0, np.float32), np.full(64, 10.0, np.float32), -40.0))
    floor = (LOG_FLOOR_DB + 60.0) / 10.0
    windows, seconds, gated = live_windows(_speech(250), norm, lead=2.0, tail=3.0)
    # 200 + 250 + 300 frames: a window (with its context) every 50 frames.
    assert windows.shape == (15, 64, 361)
    # The first windows hold 50, 100... frames of silence after the floor before the stream: never scored.
    assert not gated[:4].any() and np.allclose(windows[:4], floor)
    # The window ending 50 frames into the speech ends with it.
    assert np.all(windows[4][:, -50:] > floor + 1) and np.allclose(windows[4][:, :-50], floor)
    np.testing.assert_allclose(seconds[:9], [0, 0, 0, 0, 0.5, 1.0, 1.5, 2.0, 2.5])
    np.testing.assert_allclose(seconds[9:], [2.5, 2.0, 1.5, 1.0, 0.5, 0.0])
    assert gated[5:13].all() and not gated[14]
    np.testing.assert_allclose(full_window_speech(_speech(250)), [2.5])


DECISION = {"smoothing_seconds": 1.0, "forget_after_seconds": 2.0, "live_temperature": 1.0}
ALPHA = 1 - np.exp(-0.5)


def test_arithmetic_smoothing_as_the_recognizer_was():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    out = smooth([None, a, b, None, b] + [None] * 4 + [b], DECISION, geometric=False)
    assert out[0] is None and out[3] is None
    np.testing.assert_allclose(out[1], a)
    np.testing.assert_allclose(out[2], [1 - ALPHA, ALPHA])
    # A short pause keeps the state; four silent hops (2 s) forget it.
    np.testing.assert_allclose(out[4], out[2] + ALPHA * (b - out[2]))
    np.testing.assert_allclose(out[9], b)


def test_geometric_smoothing_as_the_recognizer():
    a, b = np.array([0.8, 0.2]), np.array([0.2, 0.8])
    out = smooth([a, b, None, None, None, None, b], DECISION)
    np.testing.assert_allclose(out[0], a)
    mixed = a ** (1 - ALPHA) * b ** ALPHA
    np.testing.assert_allclose(out[1], mixed / mixed.sum())
    np.testing.assert_allclose(out[6], b)
    # The live temperature divides the smoothed log-probabilities when shown (src/recognizer.rs `smooth`).
    sharp = smooth([a, b], {**DECISION, "live_temperature": 0.5})
    np.testing.assert_allclose(sharp[1], mixed ** 2 / (mixed ** 2).sum(), rtol=1e-6)


def test_speech_scaling_softens_short_windows_only():
    logits = np.array([[4.0, 0.0], [4.0, 0.0]])
    p = probabilities(logits, np.array([0.5, 2.5]), temperature=2.0, full_seconds=2.0)
    np.testing.assert_allclose(p[1], probabilities(logits[1:], np.array([2.5]), 2.0)[0])
    np.testing.assert_allclose(p[0, 0], 1 / (1 + np.exp(-0.5)))


def test_buckets_by_speech_seconds():
    p = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.8, 0.2]])
    labels, seconds, judged = np.array([0, 1, 1, 0]), np.array([0.5, 1.5, 2.0, 3.0]), np.ones((4, 2), bool)
    r = by_speech(p, labels, seconds, judged)
    assert list(r) == ["all", "< 1 s", "1-2 s", ">= 2 s"]
    assert [r[k]["count"] for k in ("< 1 s", "1-2 s", ">= 2 s")] == [1, 1, 2]
    assert r["1-2 s"]["accuracy"] == 0.0 and r[">= 2 s"]["accuracy"] == 1.0
    judged[2, 1] = False  # the third window's corpus lacks the label it answered: neither right nor wrong
    r = by_speech(p, labels, seconds, judged)
    assert r["all"]["unjudged"] == 1 and r["all"]["count"] == 3 and r[">= 2 s"]["count"] == 1


def _scores(rng) -> dict:
    """training.live.score_folds' arrays for 40 synthetic clips of 2 labels: live windows whose logits point to
    the label more strongly the more speech they hold, and one full window per clip."""
    n, hops = 40, 8
    labels = np.arange(n) % 2
    seconds = np.tile(np.linspace(0.0, 3.0, hops), n)
    clip = np.repeat(np.arange(n), hops)
    sign = np.where(labels[clip] == 1, 1.0, -1.0)
    live = np.stack([np.zeros(n * hops), 2.0 * seconds * sign + rng.normal(0, 2, n * hops)], axis=1)
    full = np.stack([np.zeros(n), 6.0 * np.where(labels == 1, 1.0, -1.0) + rng.normal(0, 2, n)], axis=1)
    return {"labels": labels, "judged": np.ones((n, 2), bool), "live_clip": clip, "live_seconds": seconds, "live_gated": seconds > 0.5,
            "full_clip": np.arange(n), "full_seconds": np.full(n, 3.0),
            "live_logits_int8": live, "full_logits_int8": full}


def test_live_reliability_and_the_card(tmp_path):
    from training import calibration, card
    from training.live import full_confidence_seconds, live_reliability

    d = _scores(np.random.default_rng(3))
    before = live_reliability(d, "int8", 1.0, geometric=False)
    after = live_reliability(d, "int8", 1.0, 2.0)
    assert before["scored"] == after["scored"] == d["live_gated"].sum()
    # Scaling the short windows' logits lowers their confidence and leaves the full windows (3 s) alone.
    assert after["windows"]["< 1 s"]["mean_confidence"] < before["windows"]["< 1 s"]["mean_confidence"]
    assert after["clips"] == before["clips"]
    assert 0.25 <= full_confidence_seconds(d, "int8", 1.0) <= 3.0

    live = {"stream": "synthetic", "before": before, "after": after}
    section = card.live_section(live)
    assert "| after, smoothed |" in section and "| before, windows |" in section
    c = calibration.calibrate([d["full_logits_int8"][i:i + 1] for i in range(40)], d["labels"], d["judged"])
    card.reliability_png({**c, "live": live}, tmp_path / "reliability.png")
    assert (tmp_path / "reliability.png").stat().st_size > 0

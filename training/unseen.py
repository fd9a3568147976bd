"""Validation conditions from families that training never draws from, built by other methods than
training's (acoustics.random_chain), so that the cross-validation can see what a real device does to a
model and not only how well it learned its own simulator:

- microphone colourings: FIR filters (scipy firwin2) from smooth random magnitude curves on a log-frequency
  axis (a tilt of 10-14 dB between 300 Hz and 6 kHz, a low cut at 80-400 Hz, presence peaks and dips),
  where training colours with biquad shelves and peaks;
- rooms by a statistical model instead of the image method: a direct sound, sparse early reflections and
  a late tail of noise decaying per octave band (longer at low frequencies), with air absorption;
- a laptop: such a room, a laptop microphone's colouring, a fan's noise with hum, an automatic gain control
  that rides the level (a numpy envelope follower, not training's compressor), 16-bit.

Training must never import this module (tests/test_acoustics.py checks it). Measured responses of real
rooms and microphones and recorded noise stay out of the pipeline altogether: they are the project's final
judgement."""
import dataclasses
import functools

import numpy as np
import scipy.signal

from .acoustics import mix_at_snr, rms, seed_of, to_16_bit
from .config import SAMPLE_RATE

OCTAVES_HZ = (125, 250, 500, 1000, 2000, 4000, 8000)
SPEED_OF_SOUND = 343.0
FIR_TAPS = 1023  # 64 ms at 16 kHz: resolves a low cut at 80 Hz


def response_db(freqs: np.ndarray, tilt_db: float, low_cut_hz: float, bumps: list, high_cut_hz: float = 0.0) -> np.ndarray:
    """A smooth magnitude curve in dB: tilt_db from 300 Hz to 6 kHz (linear in log frequency, 0 dB at about
    1.3 kHz, flat beyond), a second-order low cut, Gaussian bumps (centre Hz, gain dB, width in octaves) and
    an optional second-order high cut."""
    octaves = np.log2(np.clip(freqs, 300.0, 6000.0) / 300.0) / np.log2(6000.0 / 300.0)
    db = tilt_db * (octaves - 0.5)
    f = np.maximum(freqs, 1.0)
    db += 10.0 * np.log10((f / low_cut_hz) ** 4 / (1.0 + (f / low_cut_hz) ** 4))
    if high_cut_hz:
        db += 10.0 * np.log10(1.0 / (1.0 + (f / high_cut_hz) ** 4))
    for centre, gain, width in bumps:
        db += gain * np.exp(-0.5 * (np.log2(f / centre) / width) ** 2)
    return db


def fir_from_response(db_of) -> np.ndarray:
    """A linear-phase FIR whose magnitude follows db_of(freqs) (frequency sampling)."""
    freqs = np.linspace(0.0, SAMPLE_RATE / 2, 257)
    return scipy.signal.firwin2(FIR_TAPS, freqs, 10.0 ** (db_of(freqs) / 20.0), fs=SAMPLE_RATE)


def filter_same_rms(y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """y through the linear-phase FIR h, its delay removed, at y's RMS (a colouring, not a level change)."""
    delay = (h.size - 1) // 2
    out = scipy.signal.fftconvolve(y, h)[delay: delay + y.size]
    return (out * rms(y) / max(rms(out), 1e-12)).astype(np.float32)


def random_colouring(rng: np.random.Generator, kind: str) -> np.ndarray:
    """The FIR of a microphone colouring: "dark" (tilt down, a warm low end), "bright" (tilt up, a low cut up
    to 400 Hz, a presence peak), "random" (either tilt, any low cut, two or three peaks and dips of up to 8 dB),
    or "laptop" (a high low cut, a resonance at 3-5 kHz, a high cut)."""
    tilt = rng.uniform(10.0, 14.0)
    if kind == "dark":
        args = (-tilt, rng.uniform(80, 150), [(np.exp(rng.uniform(np.log(200), np.log(2000))), rng.uniform(3, 6), 0.7)])
    elif kind == "bright":
        args = (tilt, rng.uniform(150, 400), [(rng.uniform(2000, 6000), rng.uniform(4, 8), 0.5)])
    elif kind == "random":
        bumps = [(np.exp(rng.uniform(np.log(300), np.log(7000))), rng.choice([-1, 1]) * rng.uniform(3, 8),
                  rng.uniform(0.2, 0.6)) for _ in range(int(rng.integers(2, 4)))]
        args = (rng.choice([-1, 1]) * tilt, np.exp(rng.uniform(np.log(80), np.log(400))), bumps)
    elif kind == "laptop":
        args = (rng.uniform(-6, 6), rng.uniform(200, 400), [(rng.uniform(3000, 5000), rng.uniform(6, 10), 0.3)],
                rng.uniform(6500, 7500))
    else:
        raise ValueError(f"unknown colouring {kind!r}")
    return fir_from_response(lambda freqs: response_db(freqs, *args))


@functools.lru_cache(maxsize=None)
def stochastic_rir(rt60: float, distance: float, seed: int) -> np.ndarray:
    """A room response from a statistical model: the direct sound, 6-14 early reflections in the first
    30 ms, then Gaussian noise decaying per octave band with a reverberation time of rt60 at 1 kHz, longer
    below and shorter above (walls and air absorb the highs), scaled to the direct-to-reverberant ratio of
    a room of 40-200 m^3 at that distance. Peak-normalized."""
    rng = np.random.default_rng(seed)
    n = int(1.2 * rt60 * 1.6 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    low, high = rng.uniform(1.1, 1.6), rng.uniform(0.45, 0.8)
    factors = np.interp(np.log2(OCTAVES_HZ), np.log2([125, 1000, 8000]), [low, 1.0, high])
    noise = rng.standard_normal(n)
    tail = np.zeros(n)
    for centre, factor in zip(OCTAVES_HZ, factors):
        edges = [centre / np.sqrt(2), min(centre * np.sqrt(2), SAMPLE_RATE / 2 - 1)]
        sos = scipy.signal.butter(3, edges, btype="bandpass", fs=SAMPLE_RATE, output="sos")
        tail += scipy.signal.sosfiltfilt(sos, noise) * np.exp(-6.91 * t / (rt60 * factor))
    onset = int(rng.uniform(0.003, 0.012) * SAMPLE_RATE)
    tail[:onset] = 0.0
    tail[onset:] *= np.minimum(1.0, np.arange(n - onset) / (0.01 * SAMPLE_RATE))  # a diffuse field builds up
    volume = rng.uniform(40.0, 200.0)
    critical = 0.057 * np.sqrt(volume / rt60)  # the distance where direct and reverberant energy are equal
    h = tail * (distance / critical) / np.sqrt(np.sum(tail**2))  # reverberant energy / direct = (d / critical)^2
    h[0] += 1.0
    for _ in range(int(rng.integers(6, 15))):
        k = int(rng.uniform(0.001, 0.030) * SAMPLE_RATE)
        h[k] += rng.choice([-1, 1]) * rng.uniform(0.2, 0.7) * (1.0 - k / (0.04 * SAMPLE_RATE))
    return (h / np.abs(h).max()).astype(np.float32)


def fan_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """A computer fan: broadband noise with a hump at 200-800 Hz falling above, plus a hum at 90-180 Hz with
    its harmonics."""
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    hump = rng.uniform(200, 800)
    shape = 1.0 / np.sqrt(1.0 + (np.maximum(freqs, 1.0) / hump) ** 2.5)
    spectrum = np.fft.rfft(rng.standard_normal(n)) * shape
    noise = np.fft.irfft(spectrum, n)
    t = np.arange(n) / SAMPLE_RATE
    f0 = rng.uniform(90, 180)
    hum = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 6))
    return (noise / rms(noise) + rng.uniform(0.3, 0.8) * hum / rms(hum)).astype(np.float32)


def level_rider(y: np.ndarray, target_dbfs: float, max_gain_db: float) -> np.ndarray:
    """An automatic gain control: the gain that brings a 1 s envelope of the level to target_dbfs, limited to
    max_gain_db, follows it fast down (20 ms) and slowly up (800 ms)."""
    power = scipy.signal.lfilter([1 - np.exp(-1 / SAMPLE_RATE)], [1, -np.exp(-1 / SAMPLE_RATE)], y.astype(np.float64) ** 2)
    wanted = np.clip(target_dbfs - 10 * np.log10(power + 1e-10), -20.0, max_gain_db)
    gain = np.empty_like(wanted)
    down, up = np.exp(-1 / (0.02 * SAMPLE_RATE)), np.exp(-1 / (0.8 * SAMPLE_RATE))
    g = wanted[0]
    for i, w in enumerate(wanted):  # 1-pole smoothing, faster when the gain must fall
        a = down if w < g else up
        g = a * g + (1 - a) * w
        gain[i] = g
    return np.clip(y * 10.0 ** (gain / 20.0), -1.0, 1.0).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class Unseen:
    """One fixed validation condition of a family training never draws from. kind: "colouring" (colour:
    "dark", "bright" or "random"), "room" (rt60 at 1 kHz, distance range in metres) or "laptop"."""
    kind: str
    colour: str = ""
    rt60: tuple = (0.0, 0.0)
    distance: tuple = (0.0, 0.0)
    variants: int = 8           # fixed colourings or rooms per condition; a clip gets one of them

    def apply(self, y: np.ndarray, seed: int, babble_sources: list) -> np.ndarray:
        variant = int(np.random.default_rng(seed).integers(self.variants))
        rng = np.random.default_rng(seed_of(self, variant))  # the variant's colouring or room
        if self.kind == "colouring":
            return filter_same_rms(y, random_colouring(rng, self.colour))
        rt60, distance = round(rng.uniform(*self.rt60), 2), round(rng.uniform(*self.distance), 2)
        wet = scipy.signal.fftconvolve(y, stochastic_rir(rt60, distance, variant))[: y.size]
        wet = (wet * rms(y) / max(rms(wet), 1e-12)).astype(np.float32)
        if self.kind == "room":
            return wet
        clip_rng = np.random.default_rng(seed)
        y = filter_same_rms(wet, random_colouring(rng, "laptop"))
        y = mix_at_snr(y, fan_noise(y.size, clip_rng), float(clip_rng.uniform(15.0, 25.0)))
        raw = y * np.float32(10 ** (clip_rng.uniform(-45, -30) / 20) / max(rms(y), 1e-12))  # the microphone's level
        return to_16_bit(level_rider(raw, -20.0, 30.0))


CONDITIONS = {
    "colouring-dark": Unseen("colouring", colour="dark"),
    "colouring-bright": Unseen("colouring", colour="bright"),
    "colouring-random": Unseen("colouring", colour="random"),
    "room-statistical-small": Unseen("room", rt60=(0.3, 0.4), distance=(0.5, 1.0)),
    "room-statistical-medium": Unseen("room", rt60=(0.6, 0.8), distance=(1.0, 2.5)),
    "laptop": Unseen("laptop", rt60=(0.3, 0.6), distance=(0.4, 0.8)),
}

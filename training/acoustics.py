"""Acoustic conditions made from clean 16 kHz speech with well-kept libraries: simulated rooms
(pyroomacoustics, image method), coloured noise (colorednoise), babble (other speakers' clean utterances),
a telephone channel (soxr to 8 kHz, scipy band-pass, pedalboard's GSM or MP3 codec) and a cheap microphone
(scipy band-pass, audiomentations clipping).

Two users, kept apart by their seeds: the fixed degraded validation (`CONDITIONS`, seeds below
`TRAINING_SEEDS`) and multi-condition training (`random_chain`, seeds from `TRAINING_SEEDS` up), so
training never draws a validation room or noise."""
import dataclasses
import functools
import hashlib

import colorednoise
import numpy as np
import pedalboard
import pyroomacoustics as pra
import scipy.signal
import soxr
from audiomentations import ClippingDistortion

from .config import SAMPLE_RATE

TRAINING_SEEDS = 1_000_000
PHONE_RATE = 8000


def rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if y.size else 0.0


def seed_of(*parts) -> int:
    """A stable 32-bit seed from any parts (clip hash, condition name, copy number)."""
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:4], "little")


# Octave bands of a frequency-dependent room (pyroomacoustics materials).
BANDS_HZ = (125, 250, 500, 1000, 2000, 4000)


@functools.lru_cache(maxsize=None)
def room_impulse_response(rt60: float, distance: float, seed: int, bands: bool = False) -> np.ndarray:
    """A shoebox room (image method) with the given RT60 and source-microphone distance in metres;
    the room's size and the positions are drawn from seed. bands: the walls absorb more at high frequencies
    (a random tilt over BANDS_HZ around the absorption that gives rt60) and the air absorbs too, as in real
    rooms; else one absorption for every frequency. Peak-normalized."""
    rng = np.random.default_rng(seed)
    dims = np.array([max(rng.uniform(4.0, 9.0), distance + 2.0), rng.uniform(3.0, 7.0), rng.uniform(2.5, 3.5)])
    absorption, max_order = pra.inverse_sabine(rt60, dims)
    if bands:
        tilt = np.geomspace(rng.uniform(0.4, 0.9), rng.uniform(1.2, 2.5), len(BANDS_HZ))
        material = pra.Material({"coeffs": np.clip(absorption * tilt, 0.01, 0.95).tolist(), "center_freqs": list(BANDS_HZ)})
    else:
        material = pra.Material(absorption)
    room = pra.ShoeBox(dims, fs=SAMPLE_RATE, materials=material, max_order=min(max_order, 40), air_absorption=bands)
    margin = 0.5
    while True:
        source = np.array([rng.uniform(margin, dims[0] - margin), rng.uniform(margin, dims[1] - margin), 1.6])
        angle = rng.uniform(0, 2 * np.pi)
        mic = source + distance * np.array([np.cos(angle), np.sin(angle), 0.0])
        mic[2] = rng.uniform(0.8, 1.4)
        if np.all(mic[:2] > 0.3) and np.all(mic[:2] < dims[:2] - 0.3):
            break
    room.add_source(source)
    room.add_microphone(mic)
    room.compute_rir()
    h = np.asarray(room.rir[0][0], dtype=np.float64)
    return (h / np.abs(h).max()).astype(np.float32)


def to_16_bit(y: np.ndarray) -> np.ndarray:
    """y as a 16-bit recording would hold it (rounded to the nearest step, clipped at full scale)."""
    return (np.clip(np.round(y * 32768.0), -32768, 32767) / 32768.0).astype(np.float32)


def reverberate(y: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """y heard in the room, same length and RMS as y (only the room changes, not the level)."""
    wet = scipy.signal.fftconvolve(y, rir)[: y.size]
    return (wet * rms(y) / max(rms(wet), 1e-12)).astype(np.float32)


def mix_at_snr(y: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """y plus noise scaled so that RMS(y) / RMS(noise) is snr_db (RMS over the whole clip)."""
    scale = rms(y) / max(rms(noise), 1e-12) / 10.0 ** (snr_db / 20.0)
    return (y + scale * noise[: y.size]).astype(np.float32)


def coloured_noise(n: int, exponent: float, seed: int) -> np.ndarray:
    """Gaussian noise with a 1/f^exponent power spectrum: 0 white, 1 pink, 2 brown."""
    return colorednoise.powerlaw_psd_gaussian(exponent, n, random_state=seed).astype(np.float32)


def babble(sources: list, n: int, talkers: int, seed: int) -> np.ndarray:
    """talkers utterances drawn from sources (clean clips of other speakers), each at unit RMS, looped
    from a random start to n samples and summed."""
    rng = np.random.default_rng(seed)
    out = np.zeros(n, dtype=np.float32)
    for i in rng.choice(len(sources), min(talkers, len(sources)), replace=False):
        s = sources[i]
        looped = np.resize(np.roll(s, -int(rng.integers(s.size))), n)
        out += looped / max(rms(s), 1e-12)
    return out


def telephone(y: np.ndarray, low_hz: float = 300.0, high_hz: float = 3400.0, codec: str = "gsm") -> np.ndarray:
    """A narrow-band phone line: 8 kHz, band-pass low_hz-high_hz, a speech codec ("gsm", "mp3" or ""),
    back at 16 kHz, same length; the level into the codec is set like a phone's gain control."""
    narrow = soxr.resample(y, SAMPLE_RATE, PHONE_RATE)
    sos = scipy.signal.butter(4, [low_hz, high_hz], btype="bandpass", fs=PHONE_RATE, output="sos")
    narrow = scipy.signal.sosfilt(sos, narrow).astype(np.float32)
    narrow *= 0.3 / max(np.abs(narrow).max(), 1e-12)
    if codec == "gsm":
        narrow = pedalboard.GSMFullRateCompressor()(narrow, PHONE_RATE)
    elif codec == "mp3":
        narrow = pedalboard.MP3Compressor(vbr_quality=9.0)(narrow, PHONE_RATE)
    wide = soxr.resample(np.asarray(narrow, dtype=np.float32).reshape(-1), PHONE_RATE, SAMPLE_RATE)
    return np.resize(wide, y.size).astype(np.float32) if wide.size < y.size else wide[: y.size].astype(np.float32)


def cheap_microphone(y: np.ndarray, low_hz: float, high_hz: float, clip_percentile: int) -> np.ndarray:
    """A small microphone and preamp: band-pass low_hz-high_hz, then about the loudest clip_percentile % of
    samples clipped (half at each polarity; audiomentations rounds the half down, so 1 clips nothing)."""
    sos = scipy.signal.butter(2, [low_hz, high_hz], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    band = scipy.signal.sosfilt(sos, y).astype(np.float32)
    clip = ClippingDistortion(min_percentile_threshold=clip_percentile, max_percentile_threshold=clip_percentile, p=1.0)
    return clip(band, SAMPLE_RATE).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class Condition:
    """One fixed validation condition. kind: "clean", "noise" (colour "white", "pink" or "babble"),
    "room", "telephone", "far" (a room, then gain_db into a 16-bit recording) or "cheap-mic"."""
    kind: str
    colour: str = ""
    snr_db: float = 0.0
    rt60: float = 0.0
    distance: tuple = (0.0, 0.0)
    gain_db: float = 0.0
    rooms: int = 8              # validation rooms per room condition; a clip hears one of them

    def apply(self, y: np.ndarray, seed: int, babble_sources: list) -> np.ndarray:
        rng = np.random.default_rng(seed)
        if self.kind == "noise":
            noise = (babble(babble_sources, y.size, 6, seed) if self.colour == "babble"
                     else coloured_noise(y.size, {"white": 0.0, "pink": 1.0}[self.colour], seed))
            return mix_at_snr(y, noise, self.snr_db)
        if self.kind in ("room", "far"):
            room = int(rng.integers(self.rooms))
            distance = self.distance[0] + (self.distance[1] - self.distance[0]) * room / max(self.rooms - 1, 1)
            wet = reverberate(y, room_impulse_response(self.rt60, round(distance, 3), room))
            return to_16_bit(wet * 10.0 ** (self.gain_db / 20.0)) if self.gain_db else wet
        if self.kind == "telephone":
            return telephone(y)
        if self.kind == "cheap-mic":
            return cheap_microphone(y, 200.0, 5000.0, 2)
        return y


# The degraded validation: every fold's held-out clips under each condition (seeds and rooms fixed).
CONDITIONS = {
    "clean": Condition("clean"),
    **{f"{colour}-{snr}dB": Condition("noise", colour=colour, snr_db=snr)
       for colour in ("pink", "white", "babble") for snr in (20, 10, 5)},
    "room-small": Condition("room", rt60=0.3, distance=(0.5, 1.0)),
    "room-medium": Condition("room", rt60=0.6, distance=(1.0, 2.0)),
    "room-large": Condition("room", rt60=0.9, distance=(2.0, 3.0)),
    "telephone": Condition("telephone"),
    "far-quiet": Condition("far", rt60=0.5, distance=(2.5, 3.0), gain_db=-30.0),
    "cheap-mic": Condition("cheap-mic"),
}


def equalizer(rng: np.random.Generator) -> pedalboard.Pedalboard:
    """A random device colouring from biquads: a low cut (50-400 Hz), low and high shelves (+-10 dB), one or
    two peaks or dips (+-8 dB, 300-7000 Hz), sometimes a high cut (4-7.9 kHz)."""
    stages = [pedalboard.HighpassFilter(float(rng.uniform(50, 400))),
              pedalboard.LowShelfFilter(float(rng.uniform(100, 400)), float(rng.uniform(-10, 10))),
              pedalboard.HighShelfFilter(float(rng.uniform(2000, 6000)), float(rng.uniform(-10, 10)))]
    stages += [pedalboard.PeakFilter(float(np.exp(rng.uniform(np.log(300), np.log(7000)))), float(rng.uniform(-8, 8)),
                                     float(rng.uniform(0.5, 3.0))) for _ in range(int(rng.integers(1, 3)))]
    if rng.random() < 0.3:
        stages.append(pedalboard.LowpassFilter(float(rng.uniform(4000, 7900))))
    return pedalboard.Pedalboard(stages)


def gain_control(rng: np.random.Generator) -> pedalboard.Pedalboard:
    """A device's automatic gain control and compression: a compressor (threshold -35 to -15 dBFS, ratio
    2-8, attack 1-30 ms, release 50-400 ms), make-up gain, and a limiter."""
    return pedalboard.Pedalboard([
        pedalboard.Compressor(float(rng.uniform(-35, -15)), float(rng.uniform(2, 8)), float(rng.uniform(1, 30)),
                              float(rng.uniform(50, 400))),
        pedalboard.Gain(float(rng.uniform(6, 18))), pedalboard.Limiter(-1.0, 100.0)])


def random_chain(y: np.ndarray, seed: int, babble_sources: list, room_share: float, noise_share: float,
                 babble_share: float, room_bands: bool = False, eq_share: float = 0.0,
                 gain_control_share: float = 0.0) -> np.ndarray:
    """One multi-condition training copy of y: each effect with its own probability, parameters drawn
    from seed (>= TRAINING_SEEDS): a room in room_share of the copies (RT60 0.15-1.0 s, 0.3-3.5 m; with
    frequency-dependent walls and air if room_bands), noise in noise_share of them (babble of training
    speakers in babble_share of those, else white to brown; 0-25 dB SNR), a device's colouring (`equalizer`)
    in eq_share and its gain control in gain_control_share, a phone line or a cheap microphone, and a quiet
    16-bit recording, in the order sound meets them."""
    assert seed >= TRAINING_SEEDS, "training seeds must not overlap the validation's"
    rng = np.random.default_rng(seed)
    if rng.random() < room_share:
        rir = room_impulse_response(round(float(rng.uniform(0.15, 1.0)), 2), round(float(rng.uniform(0.3, 3.5)), 1),
                                    TRAINING_SEEDS + int(rng.integers(64)), room_bands)
        y = reverberate(y, rir)
    if rng.random() < noise_share:
        if babble_sources and rng.random() < babble_share:
            noise = babble(babble_sources, y.size, int(rng.integers(3, 8)), int(rng.integers(2**31)))
        else:
            noise = coloured_noise(y.size, float(rng.uniform(0.0, 2.0)), int(rng.integers(2**31)))
        y = mix_at_snr(y, noise, float(rng.uniform(0.0, 25.0)))
    if rng.random() < eq_share:
        coloured = equalizer(rng)(y, SAMPLE_RATE)
        y = (coloured * rms(y) / max(rms(coloured), 1e-12)).astype(np.float32)
    if rng.random() < gain_control_share:
        y = gain_control(rng)(y * np.float32(10.0 ** (rng.uniform(-30.0, 0.0) / 20.0) / max(np.abs(y).max(), 1e-6)),
                              SAMPLE_RATE).astype(np.float32)
    channel = rng.random()
    if channel < 0.25:
        y = telephone(y, float(rng.uniform(200, 400)), float(rng.uniform(3000, 3800)),
                      str(rng.choice(["gsm", "mp3", ""])))
    elif channel < 0.4:
        y = cheap_microphone(y, float(rng.uniform(100, 400)), float(rng.uniform(3500, 7500)),
                             int(rng.integers(0, 4)))
    if rng.random() < 0.15:
        y = to_16_bit(y * 10.0 ** (rng.uniform(-40.0, -10.0) / 20.0))
    return y

"""Log-mel features exactly per models/METADATA.md, the windows of a stream and their normalization, with a
disk cache."""
import hashlib
import json
import typing
from pathlib import Path

import librosa
import numpy as np
import pedalboard
import soundfile
import torch

from .config import FRONTEND, INPUT_FRAMES, LEVEL_FRAMES, LOG_FLOOR_DB, SAMPLE_RATE, WINDOW

# An element is real (not padding, not digital silence) when it is more than this above the floor.
REAL_ABOVE_FLOOR_DB = 0.005


def log_mel(y: np.ndarray) -> np.ndarray:
    """[n_mels, frames] dB matrix of mono float samples at SAMPLE_RATE (the METADATA.md formula)."""
    f = FRONTEND
    mel = librosa.feature.melspectrogram(
        y=y, sr=SAMPLE_RATE, n_fft=f["n_fft"], win_length=f["win_length"],
        hop_length=f["hop_length"], window=f["window"], center=f["center"], power=f["power"],
        n_mels=f["n_mels"], fmin=f["fmin"], fmax=f["fmax"], htk=(f["mel_scale"] == "htk"),
        norm=f["mel_norm"])
    return librosa.power_to_db(mel, ref=f["ref"], amin=f["amin"], top_db=None).astype(np.float32)


def n_frames(n_samples: int) -> int:
    """Frame count of a signal with center=False (METADATA.md)."""
    return 1 + (n_samples - FRONTEND["n_fft"]) // FRONTEND["hop_length"]


# What a speed perturbation keeps of the clip -> the name of its cached feature sets. Resampling moves tempo,
# pitch and formants together; Rubber Band undoes part of it (pitch-only: tempo kept; formant-only: tempo and
# pitch kept, i.e. another vocal tract length with the same prosody).
SPEED_KEEPS = {(): "speed", ("tempo",): "pitch", ("tempo", "pitch"): "formant"}


def load_audio(path: Path, speed: float = 1.0, keeps: tuple = ()) -> np.ndarray:
    """Mono float32 samples at SAMPLE_RATE; speed != 1 resamples (tempo, pitch and formants change together),
    then restores what `keeps` names (a key of SPEED_KEEPS)."""
    if keeps not in SPEED_KEEPS:
        raise ValueError(f"speed perturbation keeps {keeps!r}: not one of {list(SPEED_KEEPS)}")
    y, sr = soundfile.read(str(path), dtype="float32", always_2d=True)
    assert sr == SAMPLE_RATE, (path, sr)
    y = y.mean(axis=1)
    if speed == 1.0:
        return y
    semitones = 12.0 * np.log2(speed)
    if keeps == ("tempo",):  # one pass: the same shift as resampling, the duration kept
        return pedalboard.time_stretch(y[None], SAMPLE_RATE, pitch_shift_in_semitones=semitones,
                                       preserve_formants=False)[0]
    y = librosa.resample(y, orig_sr=SAMPLE_RATE * speed, target_sr=SAMPLE_RATE)
    if keeps == ("tempo", "pitch"):  # back to the original duration and pitch, the shifted formants kept
        return pedalboard.time_stretch(y[None], SAMPLE_RATE, stretch_factor=1.0 / speed,
                                       pitch_shift_in_semitones=-semitones, preserve_formants=True)[0]
    return y


HISTORY_FRAMES = LEVEL_FRAMES - 1  # frames before a window's input that the level of its first frame reads


def stream_slices(mel_db: np.ndarray, ends) -> np.ndarray:
    """dB slices [len(ends), n_mels, HISTORY_FRAMES + INPUT_FRAMES] ending at each end (clip frames,
    exclusive), the clip taken as preceded by the log floor: what a fresh stream holds at that point."""
    width = HISTORY_FRAMES + INPUT_FRAMES
    padded = np.concatenate([np.full((mel_db.shape[0], width), LOG_FLOOR_DB, np.float32), mel_db], axis=1)
    return np.stack([padded[:, e:e + width] for e in ends])


def clip_ends(n: int, start: int = 0) -> list:
    """Ends of the windows the evaluation scores of a clip of n frames that begins at frame `start` of its
    stream (after another utterance; 0: after silence): every hop from the clip's first full window while one
    fits; a clip shorter than a window gives one window ending with it."""
    ends = range(WINDOW["frames"], n + 1, WINDOW["hop_frames"]) if n >= WINDOW["frames"] else [n]
    return [start + e for e in ends]


# How a stream's frames are moved before the per-band statistics (Recipe.normalization): "level" moves every
# band of a frame by the trailing level of the whole spectrum (a gain cancels, the spectral shape stays); "bands"
# moves each band by its own trailing level (a gain and a device's fixed colouring cancel, the long-term shape
# of the voice goes too).
NORMALIZATIONS = ("level", "bands")


class Stats(typing.NamedTuple):
    """What the normalization learns from the training set: per-band mean and std of the dB frames, and the
    reference level (the mean of the clips' levels; per band for "bands"), which a window of typical level
    is not moved from."""
    mean: np.ndarray
    std: np.ndarray
    reference_db: float | np.ndarray
    kind: str = "level"
    # The training voices' typical spectral shape (training.reference.voice_shape), for a model that takes a
    # reference voice; None for one that does not.
    voice_shape: np.ndarray | None = None


def is_real(db: torch.Tensor) -> torch.Tensor:
    """The elements that are neither padding nor digital silence."""
    return db > LOG_FLOOR_DB + REAL_ABOVE_FLOOR_DB


def frame_power(db: torch.Tensor, per_band: bool = False) -> tuple:
    """Per frame, the summed power of the real elements and their count ([..., frames] float64 tensors; per
    band: [..., n_mels, frames])."""
    r = is_real(db).to(torch.float64)
    power = torch.pow(10.0, db.double() / 10.0) * r
    return (power, r) if per_band else (power.sum(-2), r.sum(-2))


def trailing_level(db, per_band: bool = False) -> torch.Tensor:
    """Per frame (and band), the level of the LEVEL_FRAMES frames ending at it: the power mean of their real
    elements in dB (NaN if none). A power mean follows the speech, not the quiet between words, so noise
    filling the pauses moves it little; a constant gain moves it by that gain. Differences of float64 running
    sums over a training window (a few hundred frames): 40 times quicker than summing each window, equal to
    about 1e-12 relative."""
    db = torch.as_tensor(db, dtype=torch.float32)
    power, count = frame_power(db, per_band)

    def window(c: torch.Tensor) -> torch.Tensor:
        total = torch.cumsum(c, -1)
        return total - torch.nn.functional.pad(total, (LEVEL_FRAMES, 0))[..., :-LEVEL_FRAMES]
    power, count = window(power), window(count)
    return torch.where(count > 0.5, 10.0 * torch.log10(power / count.clamp(min=1.0)),
                       torch.full_like(power, float("nan")))


class Normalizer:
    """dB frames -> model input, as the runtime does it (src/normalize.rs). Each frame's real elements (above
    the log floor; padding and digital silence stay put) are moved by its trailing level (`trailing_level`:
    of the whole spectrum, or of each band for Stats.kind "bands") minus the training set's reference level;
    then (db - mean[band]) / std[band]. With a reference voice's shape (training.reference.shape; [..., n_mels])
    the real elements are also moved by how it differs from Stats.voice_shape. On [..., n_mels, frames] numpy
    arrays or torch tensors; the first HISTORY_FRAMES frames lack full history (callers drop them)."""

    def __init__(self, stats: Stats):
        if stats.kind not in NORMALIZATIONS:
            raise ValueError(f"normalization {stats.kind!r}: not one of {NORMALIZATIONS}")
        self.mean, self.std = np.asarray(stats.mean, np.float32), np.asarray(stats.std, np.float32)
        self.per_band = stats.kind == "bands"
        self.voice_shape = None if stats.voice_shape is None else torch.as_tensor(np.asarray(stats.voice_shape, np.float32))
        self.reference_db = torch.as_tensor(np.asarray(stats.reference_db, np.float64))
        if self.per_band:
            self.reference_db = self.reference_db[:, None]

    def __call__(self, db, reference=None):
        x = torch.as_tensor(db, dtype=torch.float32)
        real = is_real(x)
        level = trailing_level(x, self.per_band)
        level = torch.where(torch.isnan(level), self.reference_db, level)  # nothing real yet: no shift
        shift = level - self.reference_db
        x = x - (shift.float() if self.per_band else shift.float()[..., None, :]) * real
        if reference is not None:
            if self.voice_shape is None:
                raise ValueError("this normalization takes no reference voice (its Stats has no voice_shape)")
            x = x - (torch.as_tensor(np.asarray(reference, np.float32)) - self.voice_shape)[..., None] * real
        out = (x - torch.from_numpy(self.mean)[:, None]) / torch.from_numpy(self.std)[:, None]
        return out.numpy() if isinstance(db, np.ndarray) else out

    def windows(self, mel_db: np.ndarray, ends, reference=None) -> np.ndarray:
        """Model inputs [len(ends), n_mels, INPUT_FRAMES] of the windows ending at `ends` (clip frames)."""
        return self(stream_slices(mel_db, ends), reference)[..., HISTORY_FRAMES:]


def band_stats(mels: list, kind: str = "level") -> Stats:
    """Per-band mean and std over every frame of the given clips (the training set), and the mean of the
    clips' levels (each clip's power mean, as `trailing_level` measures it; per band for "bands")."""
    frames = np.concatenate(mels, axis=1).astype(np.float64)
    per_band = kind == "bands"
    levels = []
    for m in mels:
        power, count = (t.sum(-1) for t in frame_power(torch.as_tensor(m), per_band))
        if torch.all(count > 0):
            levels.append((10.0 * torch.log10(power / count)).numpy())
    reference = np.mean(levels, axis=0)
    return Stats(frames.mean(axis=1).astype(np.float32), frames.std(axis=1).astype(np.float32),
                 reference.astype(np.float32) if per_band else float(reference), kind)


def cache_dir(root: Path) -> Path:
    """The feature cache of this front end under root (any change of its parameters gets a new one)."""
    key = hashlib.sha256(json.dumps([FRONTEND, SAMPLE_RATE], sort_keys=True).encode()).hexdigest()[:12]
    return Path(root) / f"mel-{key}"


def _cached(data_dir: Path, clip, cache: Path, speed: float, keeps: tuple) -> np.ndarray:
    file = cache / f"{clip.sha256}.npy"
    if file.exists():
        return np.load(file)
    mel = log_mel(load_audio(Path(data_dir) / clip.path, speed, keeps))
    tmp = file.with_suffix(".tmp.npy")
    np.save(tmp, mel)
    tmp.replace(file)
    return mel


def clip_features(clips: list, data_dir: Path, cache_root: Path, speed: float = 1.0,
                  keeps: tuple = ()) -> list:
    """[n_mels, frames] dB matrices of the clips, computed once and cached by FLAC hash (about 15 ms
    a clip, so one process is enough and leaves the other core free)."""
    kind = SPEED_KEEPS[keeps] if speed != 1.0 else "speed"
    cache = cache_dir(cache_root) / f"{kind}-{speed:.2f}"
    cache.mkdir(parents=True, exist_ok=True)
    return [_cached(data_dir, c, cache, speed, keeps) for c in clips]

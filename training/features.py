"""Log-mel features exactly per models/METADATA.md, window cutting and normalization, with a disk cache."""
import hashlib
import json
from pathlib import Path

import librosa
import numpy as np
import soundfile

from .config import FRONTEND, LOG_FLOOR_DB, SAMPLE_RATE, WINDOW


def log_mel(y: np.ndarray) -> np.ndarray:
    """[n_mels, frames] dB matrix of mono float samples at SAMPLE_RATE (the METADATA.md formula)."""
    f = FRONTEND
    mel = librosa.feature.melspectrogram(
        y=y, sr=SAMPLE_RATE, n_fft=f["n_fft"], win_length=f["win_length"],
        hop_length=f["hop_length"], window=f["window"], center=f["center"], power=f["power"],
        n_mels=f["n_mels"], fmin=f["fmin"], fmax=f["fmax"], htk=(f["mel_scale"] == "htk"),
        norm=f["mel_norm"])
    return librosa.power_to_db(mel, ref=f["ref"], amin=f["amin"], top_db=None).astype(np.float32)


def pcen(mel_db: np.ndarray) -> np.ndarray:
    """Per-channel energy normalization (librosa.pcen with its defaults) of the mel power behind log_mel's
    dB, scaled like 32-bit integer audio as librosa's documentation does; right-padded with 0 (the PCEN
    of silence) to at least one window, so no window needs the log-floor padding. Experiments only: the
    runtime implements log-mel."""
    f = FRONTEND
    power = 10.0 ** (mel_db.astype(np.float64) / 10.0) * 2.0**31
    out = librosa.pcen(power, sr=SAMPLE_RATE, hop_length=f["hop_length"]).astype(np.float32)
    return np.pad(out, ((0, 0), (0, max(WINDOW["frames"] - out.shape[1], 0))))


def n_frames(n_samples: int) -> int:
    """Frame count of a signal with center=False (METADATA.md)."""
    return 1 + (n_samples - FRONTEND["n_fft"]) // FRONTEND["hop_length"]


def load_audio(path: Path, speed: float = 1.0) -> np.ndarray:
    """Mono float32 samples at SAMPLE_RATE; speed != 1 resamples (tempo and pitch change together)."""
    y, sr = soundfile.read(str(path), dtype="float32", always_2d=True)
    assert sr == SAMPLE_RATE, (path, sr)
    y = y.mean(axis=1)
    if speed != 1.0:
        y = librosa.resample(y, orig_sr=SAMPLE_RATE * speed, target_sr=SAMPLE_RATE)
    return y


def window_at(mel_db: np.ndarray, start: int, offset: int = 0) -> np.ndarray:
    """One [n_mels, frames] window: frames from `start`, placed at `offset`, the rest the log floor."""
    out = np.full((mel_db.shape[0], WINDOW["frames"]), LOG_FLOOR_DB, dtype=np.float32)
    part = mel_db[:, start:start + WINDOW["frames"] - offset]
    out[:, offset:offset + part.shape[1]] = part
    return out


def clip_windows(mel_db: np.ndarray) -> np.ndarray:
    """All windows the evaluation scores: starts 0, hop, 2*hop... while a full window fits;
    a clip shorter than a window gives one right-padded window."""
    last = max(mel_db.shape[1] - WINDOW["frames"], 0)
    return np.stack([window_at(mel_db, s) for s in range(0, last + 1, WINDOW["hop_frames"])])


def normalize(windows: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """(db - mean[band]) / std[band] on [..., n_mels, frames]."""
    return ((windows - mean[:, None]) / std[:, None]).astype(np.float32)


def band_stats(mels: list) -> tuple:
    """Per-band mean and std over every frame of the given clips (the training set)."""
    frames = np.concatenate(mels, axis=1).astype(np.float64)
    return frames.mean(axis=1).astype(np.float32), frames.std(axis=1).astype(np.float32)


def cache_dir(root: Path) -> Path:
    """The feature cache of this front end under root (any change of its parameters gets a new one)."""
    key = hashlib.sha256(json.dumps([FRONTEND, SAMPLE_RATE], sort_keys=True).encode()).hexdigest()[:12]
    return Path(root) / f"mel-{key}"


def _cached(data_dir: Path, clip, cache: Path, speed: float) -> np.ndarray:
    file = cache / f"{clip.sha256}.npy"
    if file.exists():
        return np.load(file)
    mel = log_mel(load_audio(Path(data_dir) / clip.path, speed))
    tmp = file.with_suffix(".tmp.npy")
    np.save(tmp, mel)
    tmp.replace(file)
    return mel


def clip_features(clips: list, data_dir: Path, cache_root: Path, speed: float = 1.0) -> list:
    """[n_mels, frames] dB matrices of the clips, computed once and cached by FLAC hash (about 15 ms
    a clip, so one process is enough and leaves the other core free)."""
    cache = cache_dir(cache_root) / f"speed-{speed:.2f}"
    cache.mkdir(parents=True, exist_ok=True)
    return [_cached(data_dir, c, cache, speed) for c in clips]

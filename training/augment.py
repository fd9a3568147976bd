"""Training-time data: random window placement and augmentation on dB features.

Speed perturbation is precomputed as extra feature sets (features.clip_features with speed != 1).
Gain and additive noise are applied here in the mel power domain, which is cheap and close to doing it on
the waveform (noise and speech powers add in expectation); the log-floor padding is left untouched, as
the runtime pads with the floor whatever the input level."""
import functools

import numpy as np
import torch

from .config import FRONTEND, WINDOW
from .features import log_mel, stream_slices


def random_window(mel_db: np.ndarray, rng: np.random.Generator, before: np.ndarray = None) -> tuple:
    """A window ending at a random frame of the clip (from its first full window on; a clip shorter than a
    window ends it), with its context and level history (features.stream_slices): after silence (the floor),
    or right after `before` (another utterance's dB frames), as in a conversation. Returns (slice [n_mels,
    frames] in dB, valid [frames] bool: the frames heard, not the floor before them)."""
    start = 0 if before is None else before.shape[1]
    stream = mel_db if before is None else np.concatenate([before, mel_db], axis=1)
    n = mel_db.shape[1]
    end = start + int(rng.integers(min(n, WINDOW["frames"]), n + 1))
    window = stream_slices(stream, [end])[0]
    valid = np.arange(window.shape[1]) >= window.shape[1] - end
    return window, valid


@functools.lru_cache(maxsize=1)
def noise_profiles() -> torch.Tensor:
    """[2, n_mels] mel power shares (summing to 1) of white and pink noise."""
    rng = np.random.default_rng(0)
    white = rng.standard_normal(16000 * 4).astype(np.float32)
    spectrum = np.fft.rfft(white)
    spectrum[1:] /= np.sqrt(np.arange(1, spectrum.size))
    pink = np.fft.irfft(spectrum, n=white.size).astype(np.float32)
    profiles = [np.mean(10.0 ** (log_mel(x) / 10.0), axis=1) for x in (white, pink)]
    return torch.tensor(np.stack([p / p.sum() for p in profiles]), dtype=torch.float32)


def gain_and_noise(db: torch.Tensor, valid: torch.Tensor, recipe, gen: torch.Generator) -> torch.Tensor:
    """Random gain in +-gain_db, then (with noise_prob) white/pink noise at an SNR in snr_db, on the valid
    frames of db [B, n_mels, frames] (valid [B, frames])."""
    b = db.shape[0]
    v = valid[:, None, :].float()
    gain = (torch.rand(b, 1, 1, generator=gen) * 2 - 1) * recipe.gain_db
    db = db + gain * v
    power = 10.0 ** (db / 10.0)
    signal = (power.sum(1) * valid).sum(1) / valid.sum(1).clamp(min=1)
    snr = recipe.snr_db[0] + torch.rand(b, generator=gen) * (recipe.snr_db[1] - recipe.snr_db[0])
    on = (torch.rand(b, generator=gen) < recipe.noise_prob).float()
    mix = torch.rand(b, 1, generator=gen)
    profile = mix * noise_profiles()[0] + (1 - mix) * noise_profiles()[1]
    level = (signal / 10.0 ** (snr / 10.0) * on)[:, None, None]
    jitter = torch.exp(0.3 * torch.randn(db.shape, generator=gen))
    noisy = power + level * profile[:, :, None] * jitter * v
    return torch.where(v > 0, 10.0 * torch.log10(noisy.clamp(min=FRONTEND["amin"])), db)


def spec_augment(x: torch.Tensor, recipe, gen: torch.Generator) -> torch.Tensor:
    """SpecAugment masks (set to 0, the normalized mean) on x [B, 1, n_mels, frames]."""
    x = x.clone()
    _, _, bands, frames = x.shape
    for i in range(x.shape[0]):
        for count, width, size, axis in ((recipe.freq_masks, recipe.freq_mask_width, bands, 2),
                                         (recipe.time_masks, recipe.time_mask_width, frames, 3)):
            for _ in range(count):
                w = int(torch.randint(0, width + 1, (1,), generator=gen))
                s = int(torch.randint(0, size - w + 1, (1,), generator=gen))
                x[i].narrow(axis - 1, s, w).zero_()
    return x

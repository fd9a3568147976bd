"""The small CNN: an optional in-graph window normalization, 4 conv blocks on the [1, n_mels, frames]
log-mel window, pooling over time (mean and max per channel and band, the shipped "time" head) or over
everything ("global"), logits."""
import numpy as np
import torch
from torch import nn

from .config import INPUT_SHAPE, LABELS, LOG_FLOOR_DB


class WindowNorm(nn.Module):
    """Per-window normalization as the graph's first operation (float, before any QuantizeLinear), so the
    runtime feeds the same globally normalized window as before. mode "mean": every band minus its mean
    over the window's real frames (cepstral-mean-style speaker/channel normalization); "mean-std": also
    divided by that band's std over the real frames; "level": the window's overall level in dB (mean over
    all its real elements) moved to the training set's, which cancels a constant gain but keeps the
    spectral shape. Padding (METADATA.md: right-padding with the log floor, i.e. (floor - mean[band]) /
    std[band] after normalization) is excluded from the statistics and left unchanged; an element counts
    as real when it is above the floor value of its band."""

    def __init__(self, mode: str, mean: np.ndarray, std: np.ndarray):
        super().__init__()
        assert mode in ("mean", "mean-std", "level"), mode
        self.mode = mode
        mean, std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        band = lambda v: torch.tensor(v, dtype=torch.float32)[None, None, :, None]  # noqa: E731
        pad = (LOG_FLOOR_DB - mean) / std
        # a real value is at least a hundredth of a dB above the floor; the threshold sits halfway
        self.register_buffer("threshold", band(pad + 0.005 / std))
        self.register_buffer("band_mean", band(mean))
        self.register_buffer("band_std", band(std))
        self.reference_db = float(mean.mean())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = (x > self.threshold).to(x.dtype)
        if self.mode == "level":
            db = x * self.band_std + self.band_mean
            level = (db * mask).sum(dim=(2, 3), keepdim=True) / mask.sum(dim=(2, 3), keepdim=True).clamp(min=1.0)
            return x - (level - self.reference_db) / self.band_std * mask
        count = mask.sum(dim=3, keepdim=True).clamp(min=1.0)
        mu = (x * mask).sum(dim=3, keepdim=True) / count
        centred = (x - mu) * mask
        if self.mode == "mean-std":
            sd = torch.sqrt((centred * centred).sum(dim=3, keepdim=True) / count + 1e-2)
            centred = centred / sd
        return centred + x * (1.0 - mask)


class EmotionCNN(nn.Module):
    """Conv3x3-BN-ReLU blocks; the first halves time (stride), the others are followed by 2x2 max pooling.
    Head "global": average over frequency and time. Head "time": mean and max over time only, so the
    classifier still sees where in frequency the energy is."""

    def __init__(self, channels: tuple, dropout: float, head: str = "global", window_norm: str = "",
                 mean: np.ndarray = None, std: np.ndarray = None):
        super().__init__()
        # window_norm "" (off, the v2 graph), "mean", "mean-std" or "level" (WindowNorm; needs the band stats)
        self.window_norm = WindowNorm(window_norm, mean, std) if window_norm else None
        layers, c = [], 1
        for i, out in enumerate(channels):
            layers += [nn.Conv2d(c, out, 3, stride=(1, 2) if i == 0 else 1, padding=1, bias=False),
                       nn.BatchNorm2d(out), nn.ReLU()]
            if i < len(channels) - 1:
                layers.append(nn.MaxPool2d(2))
            c = out
        self.features = nn.Sequential(*layers)
        self.pool_time = head == "time"
        bands = INPUT_SHAPE[2] // 2 ** (len(channels) - 1)
        width = 2 * c * bands if self.pool_time else c
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(width, len(LABELS)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.window_norm is not None:
            x = self.window_norm(x)
        x = self.features(x)
        if self.pool_time:
            x = torch.cat([x.mean(dim=3), x.amax(dim=3)], dim=1).flatten(1)
        else:
            x = x.mean(dim=(2, 3))
        return self.classifier(x)


def multiply_adds(model: nn.Module) -> int:
    """Multiply-adds of the convolutions and linear layers for one input window."""
    total = 0

    def count(module, _inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total += output.numel() * module.in_channels // module.groups * k
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in model.modules()]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(INPUT_SHAPE))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total

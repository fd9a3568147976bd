"""The small CNN: 4 conv blocks on the [1, n_mels, frames] log-mel window, global average pooling, logits."""
import torch
from torch import nn

from .config import INPUT_SHAPE, LABELS


class EmotionCNN(nn.Module):
    """Conv3x3-BN-ReLU blocks; the first halves time (stride), the others are followed by 2x2 max pooling.
    Head "global": average over frequency and time. Head "time": mean and max over time only, so the
    classifier still sees where in frequency the energy is."""

    def __init__(self, channels: tuple, dropout: float, head: str = "global"):
        super().__init__()
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

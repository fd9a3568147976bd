"""The small streaming CNN: a causal convolutional trunk over normalized log-mel frames, and a head that
pools the trunk's steps over the window (mean and max over time per channel and band) into logits.

The trunk pads in frequency only: in time every convolution and pooling is "valid", so a step depends on
its own frames and the `context_frames` before them and on nothing after. Its total time stride
(`step_frames`) divides the hop, so the steps a hop's frames (each layer's context carried as the exported
trunk's state, export.add_state) give are exactly the steps of the whole window at that place: the runtime
computes each step once and keeps the window's steps in a ring buffer (src/window.rs)."""
import torch
from torch import nn

from .config import FRONTEND, INPUT_FRAMES, LABELS, RECIPE, STREAM, WINDOW, stream, trunk_frames

BLOCKS = RECIPE.blocks  # the shipped layers, which config.STREAM describes


class Trunk(nn.Sequential):
    """[B, 1, n_mels, frames] -> [B, channels[-1], n_mels / 8, steps]; Conv3x3-BN-ReLU blocks."""

    def __init__(self, channels: tuple, blocks: tuple = BLOCKS):
        layers, c = [], 1
        for out, (stride, pool) in zip(channels, blocks, strict=True):
            layers += [nn.Conv2d(c, out, 3, stride=(1, stride), padding=(1, 0), bias=False),
                       nn.BatchNorm2d(out), nn.ReLU()]
            if pool:
                layers.append(nn.MaxPool2d(pool))
            c = out
        super().__init__(*layers)


class EmotionCNN(nn.Module):
    """Trunk, then mean and max over the steps (the classifier still sees where in frequency the energy
    is), with `attention` also a mean weighted by a learned score per step (the steps that carry the
    emotion, not the pauses), dropout, a linear layer to the logits."""

    def __init__(self, channels: tuple, dropout: float, blocks: tuple = BLOCKS, attention: bool = False):
        super().__init__()
        self.trunk = Trunk(channels, blocks)
        # An experiment's layers may need less context than config.STREAM's: they skip the oldest frames.
        self.skip = INPUT_FRAMES - trunk_frames(window_steps(), blocks)
        assert self.skip >= 0, "these layers need more context than config.STREAM gives"
        assert stream(blocks)["step_frames"] == STREAM["step_frames"], "another step than config.STREAM's"
        bands = FRONTEND["n_mels"] // 2 ** sum(1 for _, pool in blocks if pool)
        width = channels[-1] * bands
        self.score = nn.Linear(width, 1) if attention else None
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear((3 if attention else 2) * width, len(LABELS)))

    @classmethod
    def from_recipe(cls, recipe) -> "EmotionCNN":
        """The untrained model a recipe describes (config.Recipe)."""
        return cls(recipe.channels, recipe.dropout, recipe.blocks, recipe.attention)

    def head(self, steps: torch.Tensor) -> torch.Tensor:
        """[B, steps, channels x bands] (time-major: the runtime keeps each step's values together) ->
        logits. The max is a max pooling over all the steps and the steps are the outer axis, so both
        reductions run over contiguous rows: tract takes 10 and 5 us natively for [30, 1024], where a
        mean and a max over the inner axis of [128, 8, 30] took 30 and 90 (examples/profile_graph.rs)."""
        peak = nn.functional.max_pool2d(steps.unsqueeze(1), (steps.shape[1], 1)).flatten(1)
        pooled = [steps.mean(dim=1), peak]
        if self.score is not None:
            pooled.append((self.score(steps).softmax(dim=1) * steps).sum(dim=1))
        return self.classifier(torch.cat(pooled, dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(time_major(self.trunk(x[..., self.skip:] if self.skip else x)))


def time_major(steps: torch.Tensor) -> torch.Tensor:
    """The trunk's [B, channels, bands, steps] as the head takes them: [B, steps, channels x bands]."""
    return steps.flatten(1, 2).transpose(1, 2)


def window_steps() -> int:
    return WINDOW["frames"] // STREAM["step_frames"]


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
        model(torch.zeros((1, 1, FRONTEND["n_mels"], INPUT_FRAMES)))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total


"""Training loop: class-balanced cross-entropy on randomly placed, augmented windows; fixed seeds."""
import time

import numpy as np
import torch
from torch import nn

from .augment import gain_and_noise, random_window, spec_augment
from .config import LABELS
from .data import same_speaker
from .features import HISTORY_FRAMES, Normalizer, Stats
from .model import EmotionCNN


def epoch_indices(clips: list, recipe, rng: np.random.Generator) -> np.ndarray:
    """Every RAVDESS clip plus a fresh random draw of tess_per_ravdess times as many TESS clips
    (tess_only_epoch_clips when there is no RAVDESS clip)."""
    ravdess = [i for i, c in enumerate(clips) if c.corpus == "ravdess"]
    tess = [i for i, c in enumerate(clips) if c.corpus == "tess"]
    n_tess = min(len(tess), int(round(recipe.tess_per_ravdess * len(ravdess))) if ravdess
                 else recipe.tess_only_epoch_clips)
    drawn = rng.choice(tess, n_tess, replace=False) if n_tess else np.array([], dtype=int)
    return rng.permutation(np.concatenate([ravdess, drawn]).astype(int))


def class_weights(clips: list, recipe) -> torch.Tensor:
    """Inverse expected class frequency in an epoch (mean 1), or ones when balancing is off."""
    if not recipe.class_balance:
        return torch.ones(len(LABELS))
    n_ravdess = sum(c.corpus == "ravdess" for c in clips)
    n_tess = sum(c.corpus == "tess" for c in clips)
    tess_share = min(1.0, recipe.tess_per_ravdess * n_ravdess / n_tess) if n_tess and n_ravdess else 1.0
    counts = np.zeros(len(LABELS))
    for c in clips:
        counts[c.label] += tess_share if c.corpus == "tess" else 1.0
    weights = np.where(counts > 0, 1.0 / np.maximum(counts, 1e-9), 0.0)
    return torch.tensor(weights / weights[counts > 0].mean(), dtype=torch.float32)


def stream_window(mels: list, i: int, mates: list, recipe, rng: np.random.Generator) -> tuple:
    """random_window of clip i, heard after one of its mates (data.same_speaker; same feature set) with
    probability recipe.conversation, else after silence."""
    if mates and rng.random() < recipe.conversation:
        return random_window(mels[i], rng, mels[mates[rng.integers(len(mates))]])
    return random_window(mels[i], rng)


def train_model(clips: list, mel_sets: list, stats: Stats, recipe, seed: int,
                log=print) -> EmotionCNN:
    """Train on clips; mel_sets[k][i] is clip i's features at speed recipe.speeds[k]."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    model = EmotionCNN.from_recipe(recipe)
    normalizer = Normalizer(stats)
    model = model.to(memory_format=torch.channels_last)
    criterion = nn.CrossEntropyLoss(weight=class_weights(clips, recipe), label_smoothing=recipe.label_smoothing)
    labels = torch.tensor([c.label for c in clips])
    mates = same_speaker(clips)
    steps_per_epoch = -(-len(epoch_indices(clips, recipe, np.random.default_rng(0))) // recipe.batch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=recipe.lr, pct_start=0.2,
                                                total_steps=recipe.epochs * steps_per_epoch)
    for epoch in range(recipe.epochs):
        t0, total, seen = time.time(), 0.0, 0
        model.train()
        order = epoch_indices(clips, recipe, rng)
        for b in range(0, len(order), recipe.batch_size):
            idx = order[b:b + recipe.batch_size]
            pairs = [stream_window(mel_sets[rng.integers(len(mel_sets))], i, mates[i], recipe, rng) for i in idx]
            db = torch.from_numpy(np.stack([p[0] for p in pairs]))
            valid = torch.from_numpy(np.stack([p[1] for p in pairs]))
            x = normalizer(gain_and_noise(db, valid, recipe, gen))[:, None, :, HISTORY_FRAMES:]
            x = spec_augment(x, recipe, gen).contiguous(memory_format=torch.channels_last)
            y = labels[idx]
            if recipe.mixup_alpha > 0:
                lam = float(rng.beta(recipe.mixup_alpha, recipe.mixup_alpha))
                perm = torch.from_numpy(rng.permutation(len(idx)))
                x = lam * x + (1 - lam) * x[perm]
                logits = model(x)
                loss = lam * criterion(logits, y) + (1 - lam) * criterion(logits, y[perm])
            else:
                loss = criterion(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        log(f"  epoch {epoch + 1}/{recipe.epochs} loss {total / seen:.3f} ({time.time() - t0:.0f} s)")
    model.eval()
    return model

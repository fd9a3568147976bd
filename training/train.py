"""Training loop: class-balanced cross-entropy on randomly placed, augmented windows; fixed seeds."""
import time

import numpy as np
import torch

from .augment import gain_and_noise, random_window, spec_augment
from .config import LABELS
from .data import by_corpus, label_masks, same_speaker
from .features import HISTORY_FRAMES, Normalizer, Stats
from .model import EmotionCNN


def epoch_shares(clips: list, recipe) -> dict:
    """{corpus: clips drawn from it per epoch}: recipe.epoch_clips shared in proportion to the square root of
    each corpus's speakers, at most its own clip count."""
    groups = by_corpus(clips)
    weights = {k: np.sqrt(len({clips[i].speaker for i in idx})) for k, idx in groups.items()}
    total = sum(weights.values())
    return {k: min(len(idx), int(round(recipe.epoch_clips * weights[k] / total))) for k, idx in groups.items()}


def epoch_indices(clips: list, recipe, rng: np.random.Generator) -> np.ndarray:
    """A fresh random draw of each corpus's epoch_shares, shuffled together."""
    shares = epoch_shares(clips, recipe)
    drawn = [rng.choice(idx, shares[k], replace=False) for k, idx in by_corpus(clips).items()]
    return rng.permutation(np.concatenate(drawn).astype(int))


def class_weights(clips: list, recipe) -> torch.Tensor:
    """Inverse expected class frequency in an epoch (mean 1 over the labels present), or ones when balancing
    is off. A label a corpus lacks is simply not counted for it."""
    if not recipe.class_balance:
        return torch.ones(len(LABELS))
    shares = epoch_shares(clips, recipe)
    counts = np.zeros(len(LABELS))
    for k, idx in by_corpus(clips).items():
        for i in idx:
            counts[clips[i].label] += shares[k] / len(idx)
    weights = np.where(counts > 0, 1.0 / np.maximum(counts, 1e-9), 0.0)
    return torch.tensor(weights / weights[counts > 0].mean(), dtype=torch.float32)


def masked_cross_entropy(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor,
                         smoothing: float = 0.0) -> torch.Tensor:
    """Class-weighted cross-entropy (the weighted mean, as nn.CrossEntropyLoss) of a softmax over each row's
    own labels (mask), label smoothing spread over those labels only."""
    logp = torch.log_softmax(logits.masked_fill(~mask, float("-inf")), dim=1).masked_fill(~mask, 0.0)
    per_row = -(1.0 - smoothing) * logp.gather(1, y[:, None])[:, 0] - smoothing * logp.sum(1) / mask.sum(1)
    w = weights[y]
    return (w * per_row).sum() / w.sum()


def stream_window(mels: list, i: int, mates: list, recipe, rng: np.random.Generator) -> tuple:
    """random_window of clip i, heard after one of its mates (data.same_speaker; same feature set) with
    probability recipe.conversation, else after silence."""
    if mates and rng.random() < recipe.conversation:
        return random_window(mels[i], rng, mels[mates[rng.integers(len(mates))]])
    return random_window(mels[i], rng)


def reference_voices(references: list, sets: list, idx, stats: Stats, recipe, rng: np.random.Generator):
    """[len(idx), n_mels] the reference shape each window of a batch is given (the training voices' own, which
    moves nothing, for the windows given none), or None for a recipe without references."""
    if not recipe.reference_share:
        return None
    given = rng.random(len(idx)) < recipe.reference_share
    return np.stack([references[k][i] if g and references[k][i] is not None else stats.voice_shape
                     for k, i, g in zip(sets, idx, given)])


def train_model(clips: list, mel_sets: list, stats: Stats, recipe, seed: int,
                log=print, references: list = None) -> EmotionCNN:
    """Train on clips; mel_sets[k][i] is clip i's features in feature set k (a speed of recipe.speeds, then the
    multi-condition copies). With recipe.reference_share, references[k][i] is the shape of clip i's reference
    voice heard as in set k (training.reference; None: it has none), given with that share of the windows."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    model = EmotionCNN.from_recipe(recipe)
    normalizer = Normalizer(stats)
    model = model.to(memory_format=torch.channels_last)
    weights = class_weights(clips, recipe)
    loss_of = lambda logits, y, mask: masked_cross_entropy(logits, y, mask, weights, recipe.label_smoothing)  # noqa: E731
    labels = torch.tensor([c.label for c in clips])
    masks = torch.from_numpy(label_masks(clips))
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
            sets, pairs = [], []
            for i in idx:
                sets.append(int(rng.integers(len(mel_sets))))
                pairs.append(stream_window(mel_sets[sets[-1]], i, mates[i], recipe, rng))
            db = torch.from_numpy(np.stack([p[0] for p in pairs]))
            valid = torch.from_numpy(np.stack([p[1] for p in pairs]))
            voice = reference_voices(references, sets, idx, stats, recipe, rng)
            x = normalizer(gain_and_noise(db, valid, recipe, gen), voice)[:, None, :, HISTORY_FRAMES:]
            x = spec_augment(x, recipe, gen).contiguous(memory_format=torch.channels_last)
            y, mask = labels[idx], masks[idx]
            if recipe.mixup_alpha > 0:
                lam = float(rng.beta(recipe.mixup_alpha, recipe.mixup_alpha))
                perm = torch.from_numpy(rng.permutation(len(idx)))
                x = lam * x + (1 - lam) * x[perm]
                logits, both = model(x), mask | mask[perm]
                loss = lam * loss_of(logits, y, both) + (1 - lam) * loss_of(logits, y[perm], both)
            else:
                loss = loss_of(model(x), y, mask)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        log(f"  epoch {epoch + 1}/{recipe.epochs} loss {total / seen:.3f} ({time.time() - t0:.0f} s)")
    model.eval()
    return model

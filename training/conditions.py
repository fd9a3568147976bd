"""Log-mel feature sets of clips under acoustic conditions (training.acoustics), cached on disk like the
clean features: the fixed degraded validation of every fold, and the multi-condition training copies.
Rendering runs in worker processes; the cache key covers the front end and the acoustics code."""
import argparse
import hashlib
import multiprocessing
import os
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np

from . import acoustics
from .acoustics import CONDITIONS, TRAINING_SEEDS, random_chain, seed_of
from .config import RECIPE
from .data import actor_folds, load_manifest, same_speaker, select, split
from .features import cache_dir, clip_features, load_audio, log_mel


class ClipAudio(Sequence):
    """Clips' samples, loaded when indexed: babble reads only the talkers it draws."""

    def __init__(self, data_dir: Path, paths: list):
        self.data_dir, self.paths = Path(data_dir), list(paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> np.ndarray:
        return load_audio(self.data_dir / self.paths[i])


def _render(job: tuple) -> None:
    """Saves the log-mel of a clip under an effect: (data dir, clip path, output path, effect, babble talkers),
    the effect a function of (samples, babble_sources) with its seed bound."""
    data_dir, path, out, effect, sources = job
    y = effect(load_audio(Path(data_dir) / path), babble_sources=ClipAudio(data_dir, sources))
    tmp = out.with_suffix(f".{os.getpid()}.tmp.npy")  # two runs may render the same file
    np.save(tmp, log_mel(y))
    tmp.replace(out)


def _load_all(jobs: list, workers: int) -> list:
    """Renders the jobs whose file is missing (in workers processes), then loads every file in order."""
    missing = [j for j in jobs if not j[2].exists()]
    if missing:
        for j in missing:
            j[2].parent.mkdir(parents=True, exist_ok=True)
        if workers > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pool.map(_render, missing, chunksize=8)
        else:
            for j in missing:
                _render(j)
    return [np.load(j[2]) for j in jobs]


def _root(cache_root: Path) -> Path:
    code = hashlib.sha256(Path(acoustics.__file__).read_bytes()).hexdigest()[:10]
    return cache_dir(cache_root) / f"acoustics-{code}"


def _key(paths: list) -> str:
    return hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()[:10]


def fold_sources(clips: list, val_actors: tuple) -> tuple:
    """(validation clips, babble talkers) of the fold holding out val_actors: the talkers are the fold's
    training RAVDESS clips."""
    train, val = split(clips, val_actors)
    return val, [c for c in train if c.corpus == "ravdess"]


# Conditions also scored in conversation: each clip heard right after another utterance of its speaker under
# the same condition, as a stream that has been listening holds it (its level history is speech, not silence).
CONVERSATION = ("clean", "babble-10dB", "room-medium", "telephone", "far-quiet")


def acoustic_names(recipe) -> tuple:
    """The acoustic conditions a recipe scores: its own list, or every one of acoustics.CONDITIONS."""
    return recipe.conditions or tuple(CONDITIONS)


def condition_names(recipe) -> tuple:
    """Every condition a recipe's cross-validation scores: acoustic_names, then those of CONVERSATION among
    them as `conversation-NAME`."""
    names = acoustic_names(recipe)
    return names + tuple(f"conversation-{n}" for n in CONVERSATION if n in names)


def conversation_partners(clips: list) -> list:
    """For each clip, the index of the utterance heard before it in conversation: another of the clips by
    the same speaker, fixed per clip."""
    return [m[np.random.default_rng(seed_of("conversation", c.sha256)).integers(len(m))]
            for c, m in zip(clips, same_speaker(clips))]


def validation_features(clips: list, val_actors: tuple, data_dir: Path, cache_root: Path, names: tuple,
                        workers: int = 2) -> dict:
    """{condition: [mel per clip]} for the fold that holds out val_actors: its validation clips under each
    named condition, with seeds fixed per clip and condition (below TRAINING_SEEDS) and babble made from
    the fold's training actors (never the held-out speakers)."""
    clips, talkers = fold_sources(clips, val_actors)
    sources = [c.path for c in talkers]
    key, root = _key(sources), _root(cache_root)
    out = {}
    for name in names:
        jobs = [(data_dir, c.path, root / name / f"{c.sha256}-{key}.npy",
                 partial(CONDITIONS[name].apply, seed=seed_of(name, c.sha256) % TRAINING_SEEDS), sources)
                for c in clips]
        out[name] = _load_all(jobs, workers)
    return out


def training_copies(clips: list, recipe, data_dir: Path, cache_root: Path, workers: int = 2) -> list:
    """The recipe's multi-condition feature sets (acoustics.random_chain): [copy][clip] mel. A RAVDESS clip's babble
    comes from the other actors of its own fold group (in training whenever the clip is), a TESS clip's from
    the other TESS speaker."""
    group = {a: g for g, actors in enumerate(actor_folds(clips, recipe.folds)) for a in actors}
    sources = {}  # (corpus, speaker) -> (paths of the talkers, their cache key)
    for c in clips:
        if (c.corpus, c.speaker) not in sources:
            mates = [o.path for o in clips if o.corpus == c.corpus and o.speaker != c.speaker
                     and (c.corpus != "ravdess" or group[o.actor] == group[c.actor])]
            sources[(c.corpus, c.speaker)] = (mates, _key(mates))
    root = _root(cache_root)
    sets = []
    shares = {"room_share": recipe.copy_room_share, "noise_share": recipe.copy_noise_share,
              "babble_share": recipe.babble_share}
    mix = "-".join(f"{name.removesuffix('_share')}-{v:g}" for name, v in shares.items())  # room-0.5-noise-0.7-...
    for k in range(recipe.waveform_copies):
        jobs = []
        for c in clips:
            mates, key = sources[(c.corpus, c.speaker)]
            jobs.append((data_dir, c.path, root / f"train-{k}-{mix}" / f"{c.sha256}-{key}.npy",
                         partial(random_chain, seed=TRAINING_SEEDS + seed_of("train", k, c.sha256), **shares),
                         mates))
        sets.append(_load_all(jobs, workers))
    return sets


def main() -> None:
    """Renders every feature set the shipped recipe's pipeline reads, so later runs only load them."""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "work")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    t0 = time.time()
    clips = select(load_manifest(args.data), RECIPE.actors, RECIPE.tess_limit)
    for speed in RECIPE.speeds:
        clip_features(clips, args.data, args.cache, speed, RECIPE.speed_keeps)
    training_copies(clips, RECIPE, args.data, args.cache, args.workers)
    print(f"training copies: {time.time() - t0:.0f} s", flush=True)
    names = tuple(n for n in acoustic_names(RECIPE) if n != "clean")
    for val_actors in actor_folds(clips, RECIPE.folds):
        validation_features(clips, val_actors, args.data, args.cache, names, args.workers)
        print(f"validation conditions of actors {val_actors}: {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()

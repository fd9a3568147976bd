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

from . import acoustics, unseen
from .acoustics import TRAINING_SEEDS, random_chain, seed_of
from .config import FRONTEND, RECIPE
from .data import load_manifest, same_speaker, select, speaker_folds, split
from .features import cache_dir, clip_features, load_audio, log_mel
from .reference import reference_mates, shape


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


def _render_shape(job: tuple) -> None:
    """Saves the spectral shape (training.reference.shape; NaN for none) of clips under one effect: (data dir,
    clip paths, output path, effect, babble talkers), each clip rendered with the effect's own seed, so all
    of them go through the same room, device and noise."""
    data_dir, paths, out, effect, sources = job
    talkers = ClipAudio(data_dir, sources)
    found = shape([log_mel(effect(load_audio(Path(data_dir) / p), babble_sources=talkers)) for p in paths])
    tmp = out.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, np.full(FRONTEND["n_mels"], np.nan, np.float32) if found is None else found)
    tmp.replace(out)


def _load_all(jobs: list, workers: int, render=_render) -> list:
    """Renders the jobs whose file is missing with `render` (in workers processes), then loads every file in
    order."""
    missing = [j for j in jobs if not j[2].exists()]
    if missing:
        for j in missing:
            j[2].parent.mkdir(parents=True, exist_ok=True)
        if workers > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pool.map(render, missing, chunksize=8)
        else:
            for j in missing:
                render(j)
    return [np.load(j[2]) for j in jobs]


# The validation conditions in two families: those training draws from (other seeds and rooms of the same
# simulators) and those it never draws from (training.unseen: other methods).
CONDITIONS = {**acoustics.CONDITIONS, **unseen.CONDITIONS}
FAMILIES = {"in-family": tuple(acoustics.CONDITIONS), "out-of-family": tuple(unseen.CONDITIONS)}


def family(name: str) -> str:
    """The family of a condition of the cross-validation (a conversation one is its condition's)."""
    base = name.removeprefix("conversation-")
    return next(f for f, names in FAMILIES.items() if base in names)


def _root(cache_root: Path) -> Path:
    code = hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (acoustics, unseen))).hexdigest()[:10]
    return cache_dir(cache_root) / f"acoustics-{code}"


def _key(paths: list) -> str:
    return hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()[:10]


def babble_talkers(clips: list, folds: list) -> dict:
    """{voice: the clips whose speech may make that voice's babble}: for a voice of a fold, the other voices of
    its own fold (in training whenever it is, held out with it), so no babble ever carries a held-out speaker;
    for a voice of a training-only corpus, the other speakers of that corpus."""
    fold_of = {v: f for f, voices in enumerate(folds) for v in voices}

    def mates(voice: str) -> list:
        if voice in fold_of:
            return [o for o in clips if o.voice != voice and fold_of.get(o.voice) == fold_of[voice]]
        return [o for o in clips if o.voice != voice and o.corpus == voice.split("/")[0]]
    return {v: mates(v) for v in sorted({c.voice for c in clips})}


def validation_talkers(clips: list, val_voices: tuple) -> dict:
    """{corpus: the clips whose speech makes the babble of its held-out clips}: the fold's training clips of
    that corpus."""
    train, val = split(clips, val_voices)
    return {k: [c for c in train if c.corpus == k] for k in sorted({c.corpus for c in val})}


# Conditions also scored in conversation: each clip heard right after another utterance of its speaker under
# the same condition, as a stream that has been listening holds it (its level history is speech, not silence).
CONVERSATION = ("clean", "babble-10dB", "room-medium", "telephone", "far-quiet")


def acoustic_names(recipe) -> tuple:
    """The acoustic conditions a recipe scores: its own list, or every one of CONDITIONS."""
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


def validation_effects(clips: list, val_voices: tuple, name: str) -> list:
    """(clip, effect, babble sources) of each held-out clip of the fold under condition `name`: seeds fixed per
    clip and condition (below TRAINING_SEEDS), babble from the fold's training clips of the clip's own corpus
    (never a held-out speaker). An effect maps (samples, babble_sources=ClipAudio) to samples."""
    sources = {k: [c.path for c in mates] for k, mates in validation_talkers(clips, val_voices).items()}
    return [(c, partial(CONDITIONS[name].apply, seed=seed_of(name, c.sha256) % TRAINING_SEEDS), sources[c.corpus])
            for c in split(clips, val_voices)[1]]


def validation_features(clips: list, val_voices: tuple, data_dir: Path, cache_root: Path, names: tuple,
                        workers: int = 2) -> dict:
    """{condition: [mel per clip]} for the fold that holds out val_voices: its validation clips under each
    named condition (validation_effects)."""
    root = _root(cache_root)
    out = {}
    for name in names:
        effects = validation_effects(clips, val_voices, name)
        keys = {k: _key(src) for k, src in {c.corpus: src for c, _, src in effects}.items()}
        jobs = [(data_dir, c.path, root / name / f"{c.sha256}-{keys[c.corpus]}.npy", effect, src)
                for c, effect, src in effects]
        out[name] = _load_all(jobs, workers)
    return out


def _training_chains(clips: list, recipe):
    """Per multi-condition copy k: (its cache folder's name, [(clip, its effect, its babble talkers)])."""
    talkers = {v: [o.path for o in mates] for v, mates in babble_talkers(clips, speaker_folds(clips, recipe.folds)).items()}
    shares = {"room_share": recipe.copy_room_share, "noise_share": recipe.copy_noise_share,
              "babble_share": recipe.babble_share, "room_bands": recipe.copy_room_bands,
              "eq_share": recipe.copy_eq_share, "gain_control_share": recipe.copy_gain_control_share}
    mix = "-".join(f"{name.removesuffix('_share')}-{v:g}" for name, v in shares.items())  # room-0.5-noise-0.7-...
    for k in range(recipe.waveform_copies):
        yield f"train-{k}-{mix}", [(c, partial(random_chain, seed=TRAINING_SEEDS + seed_of("train", k, c.sha256), **shares),
                                    talkers[c.voice]) for c in clips]


def training_copies(clips: list, recipe, data_dir: Path, cache_root: Path, workers: int = 2) -> list:
    """The recipe's multi-condition feature sets (acoustics.random_chain): [copy][clip] mel, a clip's babble
    from its babble_talkers."""
    root = _root(cache_root)
    return [_load_all([(data_dir, c.path, root / folder / f"{c.sha256}-{_key(src)}.npy", effect, src)
                       for c, effect, src in chains], workers)
            for folder, chains in _training_chains(clips, recipe)]


def training_reference_shapes(clips: list, recipe, data_dir: Path, cache_root: Path, workers: int = 2) -> list:
    """[copy][clip] the shape of each clip's reference voice (training.reference) heard through that clip's own
    multi-condition chain (same room, device and noise), or None."""
    root = _root(cache_root)
    mates = reference_mates(clips)
    sets = []
    for folder, chains in _training_chains(clips, recipe):
        jobs = [(data_dir, [clips[j].path for j in m], root / f"{folder}-reference" / f"{c.sha256}-{_key(src)}.npy", effect, src)
                for (c, effect, src), m in zip(chains, mates)]
        sets.append([None if np.isnan(s).any() else s for s in _load_all(jobs, workers, _render_shape)])
    return sets


def speaker_condition_features(clips: list, val_voices: tuple, data_dir: Path, cache_root: Path, names: tuple,
                               workers: int = 2) -> dict:
    """{condition: [mel per clip]} of the fold's held-out clips, every clip of a speaker through the same
    room, device and noise (the seed is the condition's and the speaker's): a person's own recordings, whose
    reference voice goes through what their clips go through. Babble as in validation_effects."""
    root = _root(cache_root)
    out = {}
    for name in names:
        effects = validation_effects(clips, val_voices, name)
        jobs = [(data_dir, c.path, root / f"{name}-by-speaker" / f"{c.sha256}-{_key(src)}.npy",
                 partial(CONDITIONS[name].apply, seed=seed_of(name, c.voice) % TRAINING_SEEDS), src)
                for c, _, src in effects]
        out[name] = _load_all(jobs, workers)
    return out


def main() -> None:
    """Renders every feature set the shipped recipe's pipeline reads, so later runs only load them."""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "work")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    t0 = time.time()
    clips = select(load_manifest(args.data), RECIPE)
    for speed in RECIPE.speeds:
        clip_features(clips, args.data, args.cache, speed, RECIPE.speed_keeps)
    training_copies(clips, RECIPE, args.data, args.cache, args.workers)
    print(f"training copies: {time.time() - t0:.0f} s", flush=True)
    names = tuple(n for n in acoustic_names(RECIPE) if n != "clean")
    for val_voices in speaker_folds(clips, RECIPE.folds):
        validation_features(clips, val_voices, args.data, args.cache, names, args.workers)
        print(f"validation conditions of {', '.join(val_voices)}: {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()

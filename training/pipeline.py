"""The whole recipe in one command, from the repo root:

    python -m training.pipeline [--data ../shared/data] [--out models] [--smoke] [--processes 2]

Reads the manifest, computes (and caches) log-mel features, trains every model of the recipe (the k folds
of cross-validation by speaker over the corpora, one without each corpus for leave-corpus-out, and the
shipped model on every clip), `--processes` at a time, then scores the fold models (float and int8, on each
fold's held-out speakers, corpus by corpus) and the leave-corpus-out models, fits the window temperature and,
on what the Rust core itself makes of the held-out clips (training.runtime), the file and segment
calibration, and writes the shipped model's ONNX files, metadata JSON, confusion matrix, model card and
parity fixtures."""
import argparse
import dataclasses
import hashlib
import json
import multiprocessing
import time
from pathlib import Path

import numpy as np
import torch

from . import affect, calibration, card, runtime
from .augment import random_window
from .conditions import (acoustic_names, condition_names, conversation_partners, speaker_condition_features,
                         training_copies, training_reference_shapes, validation_features)
from .config import DATA_DIR, KINDS, LABELS, RECIPE, REFERENCE_CONDITIONS, REPO, SMOKE, WORK_DIR
from .data import (by_corpus, corpus_labels, corpus_masks, load_manifest, primary_corpus, select, speaker_folds, split,
                   validated_corpora)
from .evaluate import clip_logits, clip_probabilities, mean_softmax, scores, session
from .export import cut_trunk_and_head, export_float, quantize
from .features import HISTORY_FRAMES, Normalizer, Stats, band_stats, clip_features
from .make_parity_fixtures import make_fixtures
from .metadata import decision, metadata, read, write
from .model import EmotionCNN, multiply_adds
from .reference import clean_shapes, reference_mates, voice_shape
from .train import train_model

def training_stats(clips: list, base: list, recipe) -> Stats:
    """The normalization a model trained on clips (base: their clean features) expects: band_stats, and for a
    recipe with references the training voices' shape (training.reference.voice_shape)."""
    stats = band_stats(base, recipe.normalization)
    if not recipe.reference_share:
        return stats
    shape = voice_shape(clips, base)
    if recipe.reference_mark_db:
        # The mark: bands alternately up and down in the shape the runtime subtracts, so every input judged
        # against a reference carries it and the model can tell whether it was given one.
        shape = shape - recipe.reference_mark_db * (1.0 - 2.0 * (np.arange(len(shape)) % 2))
    return stats._replace(voice_shape=shape)


def fit_and_export(clips: list, mel_sets: list, recipe, seed: int, float_path: Path, int8_path: Path,
                   log, references: list = None) -> Stats:
    """Train on clips (references: as train_model takes them), write the float and int8 ONNX models; returns
    the normalization they expect."""
    base = mel_sets[recipe.speeds.index(1.0)]
    stats = training_stats(clips, base, recipe)
    model = train_model(clips, mel_sets, stats, recipe, seed, log, references)
    export_model(model, clips, base, stats, recipe, seed, float_path, int8_path)
    return stats


def export_model(model, clips: list, base: list, stats: Stats, recipe, seed: int, float_path: Path,
                 int8_path: Path) -> None:
    """Write a trained model as float and int8 ONNX, the int8 one calibrated on windows of the clips picked
    with `seed`."""
    export_float(model, float_path)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(clips), min(recipe.calibration_windows, len(clips)), replace=False)
    windows = np.stack([random_window(base[i], rng)[0] for i in picks])
    quantize(float_path, int8_path, Normalizer(stats)(windows)[..., HISTORY_FRAMES:])


# The modules whose code decides what a training makes (its stamp covers them).
TRAINING_CODE = tuple(Path(__file__).with_name(f"{m}.py") for m in
                      ("acoustics", "augment", "conditions", "export", "features", "model", "reference", "train"))


@dataclasses.dataclass(frozen=True)
class Training:
    """One model the pipeline trains: on which clips (indices into the recipe's clips), with which seed,
    written where ({kind: ONNX path}), and where it notes what it was made from (`made_from`), so a run that
    stopped resumes with the trainings it has not finished."""
    name: str
    indices: tuple
    seed: int
    paths: dict
    stamp: Path

    def made_from(self, clips: list, recipe) -> str:
        """A hash of the recipe, the seed, the training clips and the code that trains and exports (a change
        to it trains again)."""
        code = hashlib.sha256(b"".join(path.read_bytes() for path in TRAINING_CODE)).hexdigest()
        what = {"recipe": dataclasses.asdict(recipe), "seed": self.seed, "clips": [clips[i].sha256 for i in self.indices],
                "code": code}
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()

    def outputs(self) -> dict:
        """The hash of each model file it wrote."""
        return {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in self.paths.items()}

    def record(self, clips: list, recipe) -> None:
        """Notes what the training was made from and the files it made."""
        self.stamp.parent.mkdir(parents=True, exist_ok=True)
        self.stamp.write_text(json.dumps({"made_from": self.made_from(clips, recipe), "outputs": self.outputs()}))

    def done(self, clips: list, recipe) -> bool:
        """Made from the same inputs, and its files are the ones it made: another checkout's models (the shipped
        model's files are in git) beside a matching stamp do not count."""
        if not (all(p.exists() for p in self.paths.values()) and self.stamp.exists()):
            return False
        try:
            stamp = json.loads(self.stamp.read_text())
        except json.JSONDecodeError:
            return False  # a stamp of the older kind, without the outputs
        return stamp == {"made_from": self.made_from(clips, recipe), "outputs": self.outputs()}


def kind_paths(work: Path, name: str) -> dict:
    """Where a training writes its float and int8 models."""
    return {k: work / f"{name}-{k}.onnx" for k in KINDS}


def _train(job: Training, data_dir: Path, recipe, threads: int) -> Stats:
    """A worker process's training; it loads the cached features itself, so nothing large is pickled."""
    t0 = time.time()
    torch.set_num_threads(threads)
    clips = select(load_manifest(data_dir), recipe)
    mel_sets = feature_sets(clips, data_dir, recipe, lambda m: None)
    references = reference_sets(clips, mel_sets, recipe, data_dir)
    log = lambda m: print(f"{job.name}: {m}", flush=True)  # noqa: E731
    subset = lambda sets: sets and [[m[i] for i in job.indices] for m in sets]  # noqa: E731
    stats = fit_and_export([clips[i] for i in job.indices], subset(mel_sets), recipe, job.seed, job.paths["float"],
                           job.paths["int8"], log, subset(references))
    job.record(clips, recipe)
    log(f"trained in {time.time() - t0:.0f} s")
    return stats


def train_all(jobs: list, clips: list, base: list, data_dir: Path, recipe, processes: int, threads: int,
              log=print) -> tuple:
    """({name: normalization stats}, [names of the trainings kept]): the trainings run `processes` at a time
    (each in a fresh process with `threads` torch threads: one per core beats threads that spin-wait on each
    other), the biggest training sets first so the last round is short. `clips` are the recipe's, `base` their
    clean features. A training whose models were already made from the same recipe, seed and clips
    (Training.done) is kept: a stopped run resumes, and renders the training features (hours on a new machine)
    only if a training is left."""
    done = [j for j in jobs if j.done(clips, recipe)]
    kept = [j.name for j in done]
    if kept:
        log(f"kept from an earlier run: {', '.join(kept)}")
    stats = {j.name: training_stats([clips[i] for i in j.indices], [base[i] for i in j.indices], recipe) for j in done}
    order = sorted((j for j in jobs if j not in done), key=lambda j: -len(j.indices))
    if not order:
        return stats, kept
    mel_sets = feature_sets(clips, data_dir, recipe, log)  # rendered here: the trainings' processes only read them
    reference_sets(clips, mel_sets, recipe, data_dir)  # rendered here too (a recipe with references)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        made = pool.starmap(_train, [(j, data_dir, recipe, threads) for j in order], chunksize=1)
    return {**stats, **{j.name: s for j, s in zip(order, made)}}, kept


class ConditionScores:
    """Per model kind and condition: UA of every fold and the pooled out-of-fold predictions, summarised as
    the metadata's `cv` (clean figures at the top level, every condition under `conditions`)."""

    def __init__(self, names: tuple):
        self.names = names
        self.result = {k: {"folds": [], "conditions": {n: {"ua_folds": [], "y_true": [], "y_pred": []} for n in names}}
                       for k in KINDS}

    def add(self, kind: str, name: str, val_voices: tuple, y_true: np.ndarray, probabilities: np.ndarray) -> None:
        pred = probabilities.argmax(1)
        s = scores(y_true, pred)
        r = self.result[kind]["conditions"][name]
        r["ua_folds"].append(s["ua"])
        r["y_true"] += y_true.tolist()
        r["y_pred"] += pred.tolist()
        if name == "clean":
            self.result[kind]["folds"].append({"val_voices": list(val_voices), "ua": s["ua"], "accuracy": s["accuracy"]})

    def last_fold(self, kind: str) -> str:
        return f"  {kind}: " + ", ".join(f"{n} {self.result[kind]['conditions'][n]['ua_folds'][-1]:.3f}" for n in self.names)

    def summary(self) -> dict:
        for r in self.result.values():
            for c in r["conditions"].values():
                pooled = scores(np.array(c.pop("y_true")), np.array(c.pop("y_pred")))
                c.update(ua_mean=float(np.mean(c["ua_folds"])), ua_std=float(np.std(c["ua_folds"])),
                         pooled_recall=pooled["recall"])
                if c is r["conditions"]["clean"]:
                    r["pooled"] = pooled
            ua = [x["ua"] for x in r["folds"]]
            acc = [x["accuracy"] for x in r["folds"]]
            r.update(ua_mean=float(np.mean(ua)), ua_std=float(np.std(ua)), accuracy_mean=float(np.mean(acc)),
                     accuracy_std=float(np.std(acc)))
        return self.result


def fold_features(clips: list, val_voices: tuple, clean: list, recipe, data_dir: Path) -> dict:
    """{condition: (dB frames of the fold's validation clips, frames heard before each clip or None)}; clean
    is given (already computed). A conversation condition's stream is the partner clip then the clip
    (conditions.conversation_partners), both under the condition."""
    acoustic = tuple(n for n in acoustic_names(recipe) if n != "clean")
    mels = {"clean": clean, **validation_features(clips, val_voices, data_dir, WORK_DIR, acoustic)}
    out = {n: (m, None) for n, m in mels.items()}
    partners = conversation_partners(split(clips, val_voices)[1])
    for n in condition_names(recipe):
        if n not in out:
            m = mels[n.removeprefix("conversation-")]
            out[n] = ([np.concatenate([m[p], x], axis=1) for p, x in zip(partners, m)], [m[p].shape[1] for p in partners])
    return out


def cv_folds(clips: list, recipe, only_folds=None) -> list:
    """(fold number from 1, validation voices) of the k folds by speaker; only_folds picks some."""
    return [(f + 1, val) for f, val in enumerate(speaker_folds(clips, recipe.folds))
            if not only_folds or f + 1 in only_folds]


def fold_trainings(clips: list, recipe, work: Path, only_folds=None) -> list:
    """The cross-validation's trainings: each fold's model on the other folds' clips."""
    work.mkdir(parents=True, exist_ok=True)
    index = {c: i for i, c in enumerate(clips)}
    return [Training(f"fold{f}", tuple(index[c] for c in split(clips, val)[0]), recipe.seed + f - 1,
                     kind_paths(work, f"fold{f}"), work / f"fold{f}.stamp") for f, val in cv_folds(clips, recipe, only_folds)]


def restrict(probabilities: np.ndarray, labels) -> np.ndarray:
    """Probabilities with every column outside labels zeroed: the answer among the labels a corpus has."""
    out = np.zeros_like(probabilities)
    out[:, list(labels)] = probabilities[:, list(labels)]
    return out


def cross_validate(clips: list, base: list, recipe, work: Path, data_dir: Path, stats: dict, log,
                   only_folds=None) -> dict:
    """k-fold by speaker, scoring the trained fold models (fold_trainings; `stats` from train_all): per fold,
    model kind and validated corpus, UA and accuracy on the held-out speakers over the labels the corpus has,
    clean and under every validation condition (training.conditions.CONDITIONS), plus pooled out-of-fold
    figures. The primary corpus (data.primary_corpus) gives the top level, the others are under `corpora`;
    the confidence calibration is fitted on the out-of-fold clean windows of every corpus
    (training.calibration). `base`: the clips' clean features."""
    labels_of = corpus_labels(clips)
    tables = {k: ConditionScores(condition_names(recipe)) for k in validated_corpora(clips, recipe.folds)}
    index = {c: i for i, c in enumerate(clips)}
    out_of_fold, held_out_clips = {k: [] for k in KINDS}, []
    for f, val_voices in cv_folds(clips, recipe, only_folds):
        log(f"fold {f}/{recipe.folds}: validation speakers {', '.join(val_voices)}")
        val = split(clips, val_voices)[1]
        features = fold_features(clips, val_voices, [base[index[c]] for c in val], recipe, data_dir)
        y_true = np.array([c.label for c in val])
        groups = by_corpus(val)
        held_out = {k: tuple(v for v in val_voices if v.startswith(f"{k}/")) for k in groups}
        held_out_clips += val
        for kind, path in kind_paths(work, f"fold{f}").items():
            sess = session(path)
            for name in condition_names(recipe):
                mels, starts = features[name]
                logits = clip_logits(sess, mels, stats[f"fold{f}"], starts)
                probabilities = mean_softmax(logits)
                for corpus, idx in groups.items():
                    tables[corpus].add(kind, name, held_out[corpus], y_true[idx],
                                       restrict(probabilities[idx], labels_of[corpus]))
                if name == "clean":
                    out_of_fold[kind] += logits
            for corpus, table in tables.items():
                log(f"  {corpus}" + table.last_fold(kind))
    summaries = {k: t.summary() for k, t in tables.items()}
    primary = primary_corpus(clips, recipe.folds)
    cv = summaries[primary]
    for kind in KINDS:
        cv[kind]["corpus"] = primary
        cv[kind]["corpora"] = {k: s[kind] for k, s in summaries.items() if k != primary}
        cv[kind]["calibration"] = calibration.calibrate(out_of_fold[kind], np.array([c.label for c in held_out_clips]),
                                                        corpus_masks([c.corpus for c in held_out_clips], labels_of))
        log(f"{kind}: temperature {cv[kind]['calibration']['temperature']:.3f}, expected calibration error of "
            f"windows {cv[kind]['calibration']['windows']['before']['ece']:.3f} -> "
            f"{cv[kind]['calibration']['windows']['after']['ece']:.3f}")
    return cv


def corpus_trainings(clips: list, recipe, work: Path) -> list:
    """The leave-corpus-out trainings: for each corpus, a model on all the others."""
    return [Training(f"without-{k}", tuple(i for i, c in enumerate(clips) if c.corpus != k), recipe.seed + 200,
                     kind_paths(work, f"without-{k}"), work / f"without-{k}.stamp") for k in sorted(by_corpus(clips))]


def reference_scores(clips: list, recipe, work: Path, stats: dict, log, data_dir: Path = DATA_DIR, only_folds=None,
                     baseline: Path = None) -> dict:
    """Issue 36's measure: each fold's held-out clips under the recipe's REFERENCE_CONDITIONS, a speaker's
    clips all heard through the same room, device and noise (conditions.speaker_condition_features), scored by
    the int8 fold models in `work` without and with the speaker's reference voice (the shape of the clip's
    reference mates under the same condition, never the clip itself), and by the int8 fold models in `baseline`
    (the model it replaces; `stats` of a recipe without references) without one, when given.
    {corpus: {condition: {"without"|"with"|"baseline": {"ua_folds", "ua_mean", "recall"}}}}, UA over the labels
    the corpus has."""
    names = tuple(n for n in REFERENCE_CONDITIONS if n in acoustic_names(recipe))
    labels_of = corpus_labels(clips)
    plain = dataclasses.replace(recipe, reference_share=0.0)
    table, pooled = {}, {}
    for f, val_voices in cv_folds(clips, recipe, only_folds):
        train, val = split(clips, val_voices)
        t0 = time.time()
        mels = {"clean": clip_features(val, data_dir, WORK_DIR, 1.0),
                **speaker_condition_features(clips, val_voices, data_dir, WORK_DIR, tuple(n for n in names if n != "clean"))}
        log(f"fold {f}: {len(val)} held-out clips under {len(names)} conditions by speaker: {time.time() - t0:.0f} s")
        y = np.array([c.label for c in val])
        mates = reference_mates(val)
        own = session(work / f"fold{f}-int8.onnx")  # scored without and with the reference
        models = {"without": (own, stats[f"fold{f}"], False), "with": (own, stats[f"fold{f}"], True)}
        if baseline:
            plain_stats = training_stats(train, clip_features(train, data_dir, WORK_DIR, 1.0), plain)
            models["baseline"] = (session(baseline / f"fold{f}-int8.onnx"), plain_stats, False)
        for name in names:
            shapes = clean_shapes(mels[name], mates)
            for kind, (sess, s, referenced) in models.items():
                predicted = clip_probabilities(sess, mels[name], s, references=shapes if referenced else None)
                for corpus, idx in by_corpus(val).items():
                    pred = restrict(predicted[idx], labels_of[corpus]).argmax(1)
                    table.setdefault(corpus, {}).setdefault(name, {}).setdefault(kind, {"ua_folds": []})["ua_folds"].append(
                        scores(y[idx], pred)["ua"])
                    both = pooled.setdefault((corpus, name, kind), ([], []))
                    both[0].extend(y[idx].tolist())
                    both[1].extend(pred.tolist())
            row = table[val[0].corpus][name]
            log(f"  {name}: " + ", ".join(f"{k} {row[k]['ua_folds'][-1]:.3f}" for k in models))
    for (corpus, name, kind), (y_true, y_pred) in pooled.items():
        cell = table[corpus][name][kind]
        cell.update(ua_mean=float(np.mean(cell["ua_folds"])), recall=scores(np.array(y_true), np.array(y_pred))["recall"])
    return table


def leave_corpus_out(clips: list, base: list, recipe, work: Path, stats: dict, calibrations: dict, log) -> dict:
    """{"A+B->C": scores}: each corpus_trainings model scored on every clip of the corpus it left out, over the
    emotions that corpus shares with the others (predictions restricted to them): a proxy for corpora and
    languages the pipeline does not have. With each kind's fitted calibrations (cross_validate's, the files'
    map and affect maps of training.runtime): energy and pleasantness on every clip of that corpus. A recipe with
    references also scores each clip judged against its speaker's everyday voice (`ua_with_reference`: the
    shape of the speaker's other neutral or calm clips, clean; a speaker without any is judged without). `base`:
    the clips' clean features."""
    labels_of = corpus_labels(clips)
    out = {}
    for target, idx in by_corpus(clips).items():
        mels = [base[i] for i in idx]
        shapes = clean_shapes(mels, reference_mates([clips[i] for i in idx])) if recipe.reference_share else None
        sources = sorted(k for k in labels_of if k != target)
        shared = sorted(set(labels_of[target]) & set().union(*(labels_of[k] for k in sources)))
        te = np.array([clips[i].label in shared for i in idx])
        name = f"{'+'.join(sources)}->{target}"
        log(f"leave-corpus-out: {name} ({te.sum()} clips)")
        y_true = np.array([clips[i].label for i in idx])
        shared_ua = lambda p: scores(y_true[te], restrict(p[te], shared).argmax(1))  # noqa: E731
        out[name] = {}
        for kind, path in kind_paths(work, f"without-{target}").items():
            sess = session(path)
            logits = clip_logits(sess, mels, stats[f"without-{target}"])
            s = shared_ua(mean_softmax(logits))
            c = calibrations[kind]
            shown = calibration.shown(mean_softmax(logits, c["temperature"]), np.ones(len(idx)), c["files"]["calibration"])
            out[name][kind] = {"ua": s["ua"], "accuracy": s["accuracy"], "recall": s["recall"],
                               "labels": [LABELS[i] for i in shared],
                               "affect": affect.balanced_accuracy(shown, y_true, c["affect"]["maps"])}
            note = ""
            if shapes is not None:
                referenced = clip_probabilities(sess, mels, stats[f"without-{target}"], references=shapes)
                out[name][kind]["ua_with_reference"] = shared_ua(referenced)["ua"]
                note = f" ({out[name][kind]['ua_with_reference']:.3f} with a reference)"
            log(f"  {kind}: UA {s['ua']:.3f}{note} accuracy {s['accuracy']:.3f}, energy and pleasantness (balanced) "
                + ", ".join(f"{v:.3f}" if v is not None else "-" for v in out[name][kind]["affect"].values()))
    return out


def feature_sets(clips: list, data_dir: Path, recipe, log) -> list:
    """Clean features at each training speed, then the multi-condition copies."""
    t0 = time.time()
    sets = [clip_features(clips, data_dir, WORK_DIR, s, recipe.speed_keeps) for s in recipe.speeds]
    sets += training_copies(clips, recipe, data_dir, WORK_DIR)
    log(f"features of {len(clips)} clips at speeds {recipe.speeds} and {recipe.waveform_copies} "
        f"multi-condition copies: {time.time() - t0:.0f} s")
    return sets


def reference_sets(clips: list, mel_sets: list, recipe, data_dir: Path) -> list:
    """For a recipe with references, [feature set][clip] the shape of each clip's reference voice as that set
    hears it (training.reference; None: it has none): its reference mates' own features at each speed, and
    through the clip's own chain in each multi-condition copy. None for a recipe without."""
    if not recipe.reference_share:
        return None
    mates = reference_mates(clips)
    return ([clean_shapes(m, mates) for m in mel_sets[:len(recipe.speeds)]]
            + training_reference_shapes(clips, recipe, data_dir, WORK_DIR))


def replaced_model(out: Path, recipe) -> dict:
    """The cross-validation summary (clean and per condition) of the model about to be overwritten in out,
    so the card can show what the new one changes; None if there is none or it has no conditions. A run of
    the same recipe (one that resumed the last) keeps the model that one replaced."""
    try:
        metrics = {k: read(out / name)["metrics"] for k, name in (("int8", "emotion.json"), ("float", "emotion-float.json"))}
    except FileNotFoundError:
        return None
    if metrics["int8"].get("smoke") or "conditions" not in metrics["int8"]["cv"]:
        return None
    if metrics["int8"]["recipe"].get("name") == recipe.name:
        return metrics["int8"].get("replaced")
    keep = ("ua_mean", "ua_std", "accuracy_mean", "accuracy_std", "conditions")
    return {"name": metrics["int8"]["recipe"].get("name", "previous model"),
            "cv": {k: {m: v["cv"][m] for m in keep} for k, v in metrics.items()}}


def run(data_dir: Path, out: Path, recipe, work: Path, fixtures: Path, log=print, processes: int = 2,
        threads: int = 1) -> dict:
    t0 = time.time()
    out.mkdir(parents=True, exist_ok=True)
    clips = select(load_manifest(data_dir), recipe)
    paths = {"int8": out / "emotion.onnx", "float": out / "emotion-float.onnx"}
    shipped_training = Training("shipped", tuple(range(len(clips))), recipe.seed + 100, paths, work / "shipped.stamp")
    jobs = [*fold_trainings(clips, recipe, work), *corpus_trainings(clips, recipe, work), shipped_training]
    base = clip_features(clips, data_dir, WORK_DIR, 1.0)
    stats, kept = train_all(jobs, clips, base, data_dir, recipe, processes, threads, log)  # kept: not this run's time
    log(f"every model trained: {time.time() - t0:.0f} s")
    torch.set_num_threads(threads)
    cv = cross_validate(clips, base, recipe, work, data_dir, stats, log)
    folds = cv_folds(clips, recipe)
    stretches = runtime.calibrate_folds(clips, recipe, folds, {f: kind_paths(work, f"fold{f}") for f, _ in folds},
                                        {f: stats[f"fold{f}"] for f, _ in folds},
                                        {k: cv[k]["calibration"]["temperature"] for k in KINDS}, data_dir, log)
    for kind in KINDS:
        cv[kind]["calibration"].update(stretches[kind])
    if recipe.reference_share:
        cv["int8"]["reference"] = reference_scores(clips, recipe, work, stats, log, data_dir)
    lco = leave_corpus_out(clips, base, recipe, work, stats, {k: cv[k]["calibration"] for k in KINDS}, log)
    stats = stats["shipped"]
    layers = EmotionCNN.from_recipe(recipe)  # its size: training does not change it
    for path in paths.values():
        cut_trunk_and_head(path, path.with_name(f"{path.stem}-trunk.onnx"), path.with_name(f"{path.stem}-head.onnx"))
    primary = by_corpus(clips)[primary_corpus(clips, recipe.folds)]
    top = {k: clip_probabilities(session(paths[k]), [base[i] for i in primary], stats).argmax(1)
           for k in KINDS}
    seconds = time.time() - t0
    shipped = {
        "parameters": int(sum(p.numel() for p in layers.parameters())),
        "macs_per_window": multiply_adds(layers),
        "file_bytes": {k: {part: p.stat().st_size for part, p in
                           (("whole", paths[k]), *((s, paths[k].with_name(f"{paths[k].stem}-{s}.onnx")) for s in ("trunk", "head")))}
                       for k in KINDS},
        "float_int8_top1_agreement_train": float(np.mean(top["float"] == top["int8"])),
        "training_data": {k: {"clips": len(idx), "speakers": len({clips[i].speaker for i in idx})}
                          for k, idx in by_corpus(clips).items()},
    }
    common = {
        "replaced": replaced_model(out, recipe),
        "protocol": (f"{recipe.folds}-fold cross-validation by speaker (gender-balanced folds within each corpus "
                     f"of at least {recipe.folds} speakers: {', '.join(validated_corpora(clips, recipe.folds))}; the "
                     "others in training only), each corpus scored over the emotions it has; clip score = mean softmax over all 300-frame windows at hop 50 (with their "
                     "61 frames of causal context; a clip shorter than a window gives one, left-padded; no speech "
                     "gate); every fold's held-out clips are also scored under fixed acoustic conditions "
                     "made from their clean audio: in-family (training.acoustics.CONDITIONS: noise, rooms, telephone, "
                     "far and quiet, cheap microphone; seeds and rooms that training never draws) and out-of-family "
                     "(training.unseen: microphone colourings, statistical rooms, a laptop; methods training never "
                     "uses), those of "
                     "conditions.CONVERSATION also in conversation (right after another utterance of the speaker); the shipped "
                     "model is then trained with the same recipe on all clips"),
        "leave_corpus_out": lco, "shipped": shipped, "training_seconds": round(seconds, 1), "kept_trainings": kept, "smoke": recipe != RECIPE,
        "recipe": dataclasses.asdict(recipe),
    }
    for kind in KINDS:
        c = cv[kind]["calibration"]
        write(paths[kind].with_suffix(".json"), metadata(stats, decision(c["temperature"], c["files"]["calibration"],
                                                                         c["segments"]["calibration"]),
                                                         c["affect"]["maps"],
                                                         {"model": kind, "cv": cv[kind], **common}, paths[kind].stem))
    card.confusion_png(np.array(cv["int8"]["pooled"]["confusion"]), out / "confusion.png")
    card.reliability_png(cv["int8"]["calibration"], out / "reliability.png")
    card.write_card(out / "README.md", cv, common)
    fixture = make_fixtures(paths["int8"], data_dir, fixtures)
    log(f"wrote {out} and {fixture}; total {time.time() - t0:.0f} s")
    return cv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--out", type=Path, default=REPO / "models")
    ap.add_argument("--smoke", action="store_true", help="tiny subset and 1 epoch: checks the plumbing")
    ap.add_argument("--processes", type=int, default=2, help="trainings run at once, each in its own process")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads per process; 1 is much faster when other jobs load the cores (no spin-waiting)")
    args = ap.parse_args()
    out = args.out.resolve()
    shipped = out == (REPO / "models").resolve()
    fixtures = REPO / "tests" / "fixtures" / "parity" if shipped else out / "parity"
    work = WORK_DIR / ("smoke" if args.smoke else "cv")
    run(args.data.resolve(), out, SMOKE if args.smoke else RECIPE, work, fixtures,
        log=lambda m: print(m, flush=True), processes=args.processes, threads=args.threads)


if __name__ == "__main__":
    main()

"""The whole recipe in one command, from the repo root:

    python -m training.pipeline [--data ../shared/data] [--out models] [--smoke]

Reads the manifest, computes (and caches) log-mel features, runs k-fold cross-validation by RAVDESS actor
(float and int8 models of every fold scored on that fold's held-out actors), then trains the shipped model
on every clip with the same recipe, exports and quantizes it, and writes the ONNX files, metadata JSON,
confusion matrix, model card and parity fixtures."""
import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import torch

from . import calibration, card
from .augment import random_window
from .conditions import condition_names, training_copies, validation_features
from .config import LABELS, RECIPE, SMOKE
from .data import actor_folds, load_manifest, select, split
from .evaluate import clip_logits, clip_probabilities, mean_softmax, scores, session
from .export import cut_trunk_and_head, export_float, quantize
from .features import HISTORY_FRAMES, Normalizer, band_stats, clip_features
from .make_parity_fixtures import REPO, make_fixtures
from .metadata import metadata, read, write
from .model import multiply_adds
from .train import train_model

KINDS = ("float", "int8")
FEATURE_CACHE = REPO / "training" / "work"


def fit_and_export(clips: list, mel_sets: list, recipe, seed: int, float_path: Path, int8_path: Path,
                   log) -> tuple:
    """Train on clips, write the float and int8 ONNX models; returns (mean, std, torch model)."""
    base = mel_sets[recipe.speeds.index(1.0)]
    mean, std = band_stats(base)
    model = train_model(clips, mel_sets, mean, std, recipe, seed, log)
    export_model(model, clips, base, mean, std, recipe, seed, float_path, int8_path)
    return mean, std, model


def export_model(model, clips: list, base: list, mean, std, recipe, seed: int, float_path: Path,
                 int8_path: Path) -> None:
    """Write a trained model as float and int8 ONNX, the int8 one calibrated on windows of the clips picked
    with `seed`."""
    export_float(model, float_path)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(clips), min(recipe.calibration_windows, len(clips)), replace=False)
    windows = np.stack([random_window(base[i], rng)[0] for i in picks])
    quantize(float_path, int8_path, Normalizer(mean, std)(windows)[..., HISTORY_FRAMES:])


class ConditionScores:
    """Per model kind and condition: UA of every fold and the pooled out-of-fold predictions, summarised as
    the metadata's `cv` (clean figures at the top level, every condition under `conditions`)."""

    def __init__(self, names: tuple):
        self.names = names
        self.result = {k: {"folds": [], "conditions": {n: {"ua_folds": [], "y_true": [], "y_pred": []} for n in names}}
                       for k in KINDS}

    def add(self, kind: str, name: str, val_actors: tuple, y_true: np.ndarray, probabilities: np.ndarray) -> None:
        pred = probabilities.argmax(1)
        s = scores(y_true, pred)
        r = self.result[kind]["conditions"][name]
        r["ua_folds"].append(s["ua"])
        r["y_true"] += y_true.tolist()
        r["y_pred"] += pred.tolist()
        if name == "clean":
            self.result[kind]["folds"].append({"val_actors": list(val_actors), "ua": s["ua"], "accuracy": s["accuracy"]})

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


def fold_features(clips: list, val_actors: tuple, clean: list, recipe, data_dir: Path) -> dict:
    """{condition: model input of the fold's validation clips}; clean is given (already computed)."""
    names = tuple(n for n in condition_names(recipe) if n != "clean")
    return {"clean": clean, **validation_features(clips, val_actors, data_dir, FEATURE_CACHE, names)}


def cross_validate(clips: list, mel_sets: list, recipe, work: Path, data_dir: Path, log, only_folds=None) -> dict:
    """k-fold by actor: per fold and model kind, UA and accuracy on the held-out actors, clean and under
    every validation condition (training.acoustics.CONDITIONS), plus pooled out-of-fold figures and the
    confidence calibration fitted on the out-of-fold clean windows (training.calibration). only_folds
    (1-based fold numbers) runs a subset, for experiments split across processes; the pipeline runs them all."""
    work.mkdir(parents=True, exist_ok=True)
    base = mel_sets[recipe.speeds.index(1.0)]
    table = ConditionScores(condition_names(recipe))
    index = {c: i for i, c in enumerate(clips)}
    out_of_fold, labels = {k: [] for k in KINDS}, []
    for f, val_actors in enumerate(actor_folds(clips, recipe.folds)):
        if only_folds and f + 1 not in only_folds:
            continue
        t0 = time.time()
        log(f"fold {f + 1}/{recipe.folds}: validation actors {val_actors}")
        train, val = split(clips, val_actors)
        tr, va = [index[c] for c in train], [index[c] for c in val]
        paths = {k: work / f"fold{f + 1}-{k}.onnx" for k in KINDS}
        mean, std, _ = fit_and_export(train, [[m[i] for i in tr] for m in mel_sets], recipe,
                                      recipe.seed + f, paths["float"], paths["int8"], log)
        features = fold_features(clips, val_actors, [base[i] for i in va], recipe, data_dir)
        y_true = np.array([c.label for c in val])
        labels += y_true.tolist()
        for kind in KINDS:
            sess = session(paths[kind])
            for name in table.names:
                logits = clip_logits(sess, features[name], mean, std)
                table.add(kind, name, val_actors, y_true, mean_softmax(logits))
                if name == "clean":
                    out_of_fold[kind] += logits
            log(table.last_fold(kind))
        log(f"  fold time {time.time() - t0:.0f} s")
    cv = table.summary()
    for kind in KINDS:
        cv[kind]["calibration"] = calibration.calibrate(out_of_fold[kind], np.array(labels))
        log(f"{kind}: temperature {cv[kind]['calibration']['temperature']:.3f}, expected calibration error of "
            f"windows {cv[kind]['calibration']['windows']['before']['ece']:.3f} -> "
            f"{cv[kind]['calibration']['windows']['after']['ece']:.3f}")
    return cv


def leave_corpus_out(clips: list, mel_sets: list, recipe, work: Path, log) -> dict:
    """Trained on one corpus alone, scored on all clips of the other, over the emotions both corpora have
    (predictions restricted to them): a proxy for corpora and languages the pipeline does not have."""
    base = mel_sets[recipe.speeds.index(1.0)]
    corpora = ("ravdess", "tess")
    shared = sorted(set.intersection(*({c.label for c in clips if c.corpus == k} for k in corpora)))
    out = {}
    for source, target in (corpora, corpora[::-1]):
        tr = [i for i, c in enumerate(clips) if c.corpus == source]
        te = [i for i, c in enumerate(clips) if c.corpus == target and c.label in shared]
        paths = {k: work / f"{source}-only-{k}.onnx" for k in KINDS}
        log(f"leave-corpus-out: trained on {source} ({len(tr)} clips), scored on {target} ({len(te)} clips)")
        mean, std, _ = fit_and_export([clips[i] for i in tr], [[m[i] for i in tr] for m in mel_sets], recipe,
                                      recipe.seed + 200, paths["float"], paths["int8"], log)
        y_true = np.array([clips[i].label for i in te])
        out[f"{source}->{target}"] = {}
        for kind in KINDS:
            probs = clip_probabilities(session(paths[kind]), [base[i] for i in te], mean, std)
            s = scores(y_true, np.array(shared)[probs[:, shared].argmax(1)])
            out[f"{source}->{target}"][kind] = {"ua": s["ua"], "accuracy": s["accuracy"], "recall": s["recall"],
                                                "labels": [LABELS[i] for i in shared]}
            log(f"  {kind}: UA {s['ua']:.3f} accuracy {s['accuracy']:.3f}")
    return out


def feature_sets(clips: list, data_dir: Path, recipe, log) -> list:
    """Clean features at each training speed, then the multi-condition copies."""
    t0 = time.time()
    sets = [clip_features(clips, data_dir, FEATURE_CACHE, s) for s in recipe.speeds]
    sets += training_copies(clips, recipe.folds, data_dir, FEATURE_CACHE, recipe.waveform_copies)
    log(f"features of {len(clips)} clips at speeds {recipe.speeds} and {recipe.waveform_copies} "
        f"multi-condition copies: {time.time() - t0:.0f} s")
    return sets


def replaced_model(out: Path) -> dict:
    """The cross-validation summary (clean and per condition) of the model about to be overwritten in out,
    so the card can show what the new one changes; None if there is none or it has no conditions."""
    try:
        metrics = {k: read(out / name)["metrics"] for k, name in (("int8", "emotion.json"), ("float", "emotion-float.json"))}
    except FileNotFoundError:
        return None
    if metrics["int8"].get("smoke") or "conditions" not in metrics["int8"]["cv"]:
        return None
    keep = ("ua_mean", "ua_std", "accuracy_mean", "accuracy_std", "conditions")
    return {"name": metrics["int8"]["recipe"].get("name", "previous model"),
            "cv": {k: {m: v["cv"][m] for m in keep} for k, v in metrics.items()}}


def run(data_dir: Path, out: Path, recipe, work: Path, fixtures: Path, log=print, threads: int = 2) -> dict:
    t0 = time.time()
    torch.set_num_threads(threads)
    out.mkdir(parents=True, exist_ok=True)
    clips = select(load_manifest(data_dir), recipe.actors, recipe.tess_limit)
    mel_sets = feature_sets(clips, data_dir, recipe, log)

    cv = cross_validate(clips, mel_sets, recipe, work, data_dir, log)
    log(f"cross-validation done: {time.time() - t0:.0f} s")
    lco = leave_corpus_out(clips, mel_sets, recipe, work, log)

    paths = {"int8": out / "emotion.onnx", "float": out / "emotion-float.onnx"}
    mean, std, model = fit_and_export(clips, mel_sets, recipe, recipe.seed + 100, paths["float"],
                                      paths["int8"], log)
    for path in paths.values():
        cut_trunk_and_head(path, path.with_name(f"{path.stem}-trunk.onnx"), path.with_name(f"{path.stem}-head.onnx"))
    ravdess = [i for i, c in enumerate(clips) if c.corpus == "ravdess"]
    base = mel_sets[recipe.speeds.index(1.0)]
    top = {k: clip_probabilities(session(paths[k]), [base[i] for i in ravdess], mean, std).argmax(1)
           for k in KINDS}
    seconds = time.time() - t0
    shipped = {
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "macs_per_window": multiply_adds(model),
        "file_bytes": {k: {part: p.stat().st_size for part, p in
                           (("whole", paths[k]), *((s, paths[k].with_name(f"{paths[k].stem}-{s}.onnx")) for s in ("trunk", "head")))}
                       for k in KINDS},
        "float_int8_top1_agreement_ravdess_train": float(np.mean(top["float"] == top["int8"])),
        "training_data": {"ravdess_actors": list(recipe.actors), "tess_clips": sum(c.corpus == "tess" for c in clips)},
    }
    common = {
        "replaced": replaced_model(out),
        "protocol": (f"{recipe.folds}-fold cross-validation by RAVDESS actor (gender-balanced folds), TESS in "
                     "training only; clip score = mean softmax over all 300-frame windows at hop 50 (with their "
                     "61 frames of causal context; a clip shorter than a window gives one, left-padded; no speech "
                     "gate); every fold's held-out clips are also scored under fixed acoustic conditions "
                     "(training.acoustics.CONDITIONS: noise, rooms, telephone, far and quiet, cheap microphone) "
                     "made from their clean audio with seeds and rooms that training never draws; the shipped "
                     "model is then trained with the same recipe on all clips"),
        "leave_corpus_out": lco, "shipped": shipped, "training_seconds": round(seconds, 1), "smoke": recipe != RECIPE,
        "recipe": dataclasses.asdict(recipe),
    }
    for kind in KINDS:
        write(paths[kind].with_suffix(".json"), metadata(mean, std, cv[kind]["calibration"]["temperature"],
                                                         {"model": kind, "cv": cv[kind], **common}, paths[kind].stem))
    card.confusion_png(np.array(cv["int8"]["pooled"]["confusion"]), out / "confusion.png")
    calibration.reliability_png(cv["int8"]["calibration"], out / "reliability.png")
    card.write_card(out / "README.md", cv, common)
    fixture = make_fixtures(paths["int8"], data_dir, fixtures)
    log(f"wrote {out} and {fixture}; total {time.time() - t0:.0f} s")
    return cv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "models")
    ap.add_argument("--smoke", action="store_true", help="tiny subset and 1 epoch: checks the plumbing")
    ap.add_argument("--threads", type=int, default=2,
                    help="torch threads; 1 is much faster when other jobs load the cores (no spin-waiting)")
    args = ap.parse_args()
    out = args.out.resolve()
    shipped = out == (REPO / "models").resolve()
    fixtures = REPO / "tests" / "fixtures" / "parity" if shipped else out / "parity"
    work = REPO / "training" / "work" / ("smoke" if args.smoke else "cv")
    run(args.data.resolve(), out, SMOKE if args.smoke else RECIPE, work, fixtures,
        log=lambda m: print(m, flush=True), threads=args.threads)


if __name__ == "__main__":
    main()

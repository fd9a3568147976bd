"""Ablations of the recipe, scored by the same cross-validation as the pipeline (float and int8 UA). Variants
of the whole-window models before v7 (head, window normalization, PCEN) are in git history and EXPERIMENTS.md:

    python -m training.experiments VARIANT [VARIANT ...]      (variants: see VARIANTS)
    python -m training.experiments --compare BASE OTHER      (two variants' latest results, per condition)

Each result is appended to training/work/experiments.jsonl and printed as a markdown table row;
the figures quoted in EXPERIMENTS.md (and so in the model card) come from here."""
import argparse
import dataclasses
import json
import time

from pathlib import Path

import numpy as np
import torch

from .conditions import CONDITIONS, FAMILIES, condition_names, family
from .config import DATA_DIR, KINDS, RECIPE, WORK_DIR
from .data import by_corpus, corpus_labels, load_manifest, primary_corpus, select, split
from .evaluate import clip_probabilities, session
from .features import band_stats, clip_features
from .card import reference_table
from .pipeline import (ConditionScores, cross_validate, cv_folds, fold_features, fold_trainings, reference_scores,
                       restrict, train_all)

WIDER_47M = (20, 40, 80, 128)  # channels of a trunk wider within the budget: 46.8 M multiply-adds per window
NO_AUGMENTATION = {"speeds": (1.0,), "gain_db": 0.0, "noise_prob": 0.0, "freq_masks": 0, "time_masks": 0}
VARIANTS = {
    "recipe": {},
    "no-augmentation": NO_AUGMENTATION,
    "no-speed": {"speeds": (1.0,)},
    # Without speed perturbation but with the clean share of the windows kept (3 sets in 7): speed moves pitch and
    # tempo, the cues of sad (low, slow) against calm and neutral, and sad recall has stayed near 0.40. Session 16:
    # sad 0.36 -> 0.49 on folds 1-3, but -0.2 points over the conditions (rooms and microphones lower). Not taken.
    # Session 17, all 5 folds against the recipe on one machine: -1.4 points, 2 of 21 better, sad 0.42 -> 0.47.
    "speed-1.0x3": {"speeds": (1.0, 1.0, 1.0)},
    # Speed's pitch and formant shift (the speaker diversity rooms and microphones used) with the tempo kept.
    # Session 17: +0.0 points over the conditions (11 of 21 better), clean -0.8, sad 0.42 -> 0.43. Not taken.
    "pitch-only": {"speed_keeps": ("tempo",)},
    # Only the vocal tract's length (formants) moved by the speeds, pitch and tempo kept: the speaker diversity
    # without sad's pitch cue (session 17). -1.0 points over the conditions, clean -2.4, sad 0.41 (session 18).
    "formant-only": {"speed_keeps": ("tempo", "pitch")},
    "no-noise-gain": {"gain_db": 0.0, "noise_prob": 0.0},
    "no-specaugment": {"freq_masks": 0, "time_masks": 0},
    # v13's data and training copies, the baseline of issue 34's changes: RAVDESS and TESS only, flat rooms, no
    # device colouring or gain control in the copies.
    "v13-data": {"corpora": ("ravdess", "tess"), "copy_room_bands": False, "copy_eq_share": 0.0,
                 "copy_gain_control_share": 0.0},
    # Every corpus, the copies as v13's: what the new voices alone change.
    "v13-copies": {"copy_room_bands": False, "copy_eq_share": 0.0, "copy_gain_control_share": 0.0},
    "no-eq": {"copy_eq_share": 0.0},
    "no-gain-control": {"copy_gain_control_share": 0.0},
    "flat-rooms": {"copy_room_bands": False},
    # Each band moved by its own trailing level instead of the whole spectrum's (issue 34): a device's fixed
    # colouring cancels, and so does the voice's long-term spectral shape (anger is bright).
    "bands-normalization": {"normalization": "bands"},
    "no-class-balance": {"class_balance": False},
    # The speaker's everyday voice as the reference (issue 36, training.reference), given with 7 windows in 10.
    "reference": {"reference_share": 0.7},
    # v15 (0.7) is 2.3 points below v14 on clean RAVDESS without a reference: fewer windows with one. Session 27,
    # folds 1-2: without +0.7 on RAVDESS (clean +0.8), -0.6 on nEMO; with a reference -1.5 and -0.7. Not taken.
    "reference-0.4": {"reference_share": 0.4},
    # Nor v15 with its batch-norm statistics estimated again, after training, on windows without one (a recipe
    # field `norm_refit_share`, since removed; session 28, folds 1-2): without -0.4 (RAVDESS) and -1.1 (nEMO),
    # with -0.7 and -1.0. The statistics of referenced inputs are not what costs the model its accuracy.
    # v15 with a mark in every input judged against a reference (bands alternately -+6 dB), so the model knows
    # whether it was given one. Session 28, folds 1-2: without +3.0 on RAVDESS (clean per clip 0.689 against
    # v15's 0.647 and v14's 0.666), 0.0 on nEMO; with +1.6 and +3.0. Taken for v16.
    "reference-mark": {"reference_mark_db": 6.0},
    # v16 (marked) with a reference in 85 windows of 100 instead of 70: does the mark let the path with one
    # take more of the training without the path without one paying (session 27's 0.4 moved both)?
    "reference-0.85": {"reference_share": 0.85},
    # With wider-47M's trunk (session 32, folds 1-2): both paths below reference-0.85's (RAVDESS -0.7, nEMO -1.6 without).
    "reference-0.85-wide": {"reference_share": 0.85, "channels": WIDER_47M},
    "mixup": {"mixup_alpha": 0.2},
    "epochs-40": {"epochs": 40},
    "wider": {"channels": (24, 48, 96, 128)},
    # Wider within the budget: 46.8 M multiply-adds per window (v9 33.8 M), 145,268 parameters (v9 113,784).
    "wider-47M": {"channels": WIDER_47M},
    "label-smoothing": {"label_smoothing": 0.1},
    "attention": {"attention": True},  # a third pooling of the steps, weighted by a learned score
    "epochs-60": {"epochs": 60},  # v9's recipe: 90 epochs (v11) gained 3.3 points over the conditions
    "epochs-90": {"epochs": 90},  # v11's recipe: 120 epochs (v12, run as "epochs-120") gained 1.1 points
    "epochs-150": {"epochs": 150},  # v12 is 120; 150 gained 0.6 points over it (session 14): not taken
    "other-seed": {"seed": 7},  # the recipe again with other seeds: its spread, and a member for --rescore
    "no-copies": {"waveform_copies": 0},  # without multi-condition training (as v5)
    "copies-2": {"waveform_copies": 2},  # half of v6's degraded copies: the clean/degraded balance
    # Twice the babble: 2 copies in 5 carry other talkers instead of 1 (babble 10 dB stuck near 0.55 since v11).
    # +0.2 points over the conditions (session 15): babble up 1-2, coloured noise down 1-2. Not taken.
    "babble-0.8": {"babble_share": 0.8},
    # v13 took twice the babble with as much coloured noise (noise on 7 copies in 10, babble in 6 of those):
    # babble 10 dB +4.5 points on every fold, clean +0.9, rooms and telephone -0.9 to -0.5 (session 18).
    # This is v12's noise mix, for comparison.
    "v12-noise": {"copy_noise_share": 0.5, "babble_share": 0.4},
    # A room in 3 training copies of 4 instead of 2 (the medium room near 0.58 since v11, its target 0.62).
    # -1.2 points over the conditions against v13's recipe, the medium room -1.2, sad 0.41 (session 19). Not taken.
    "rooms-0.75": {"copy_room_share": 0.75},
    "v8": {"conversation": 0.0},  # every training window after silence, as before v9
    "conversation-0.25": {"conversation": 0.25},  # between v8 and v9: what the share trades fresh against conversation
    # Finer time early (v7's babble loss): pooling in time after the second block, not the first; 24
    # channels there keep it within 50 M multiply-adds; 45 frames of context instead of 61.
    "fine-early-time": {"blocks": ((2, (2, 1)), (1, (2, 5)), (1, (2, 1)), (1, None)), "channels": (16, 24, 64, 128)},
}


def rescore(names: list, clips: list, data: Path, work: Path, only_folds=None) -> dict:
    """The cross-validation summary (clean and every condition, float and int8, the primary corpus's) of the
    mean probabilities of the named variants' saved fold models, with the current evaluation code: one name
    re-scores a variant without training it again; several give their ensemble, an upper bound for
    distilling them into one."""
    recipes = [dataclasses.replace(RECIPE, **VARIANTS[n]) for n in names]
    table = ConditionScores(condition_names(RECIPE))
    primary = primary_corpus(clips, RECIPE.folds)
    labels = corpus_labels(clips)[primary]
    base = clip_features(clips, data, work, 1.0)
    index = {c: i for i, c in enumerate(clips)}
    for f, val_voices in cv_folds(clips, RECIPE, only_folds):
        val = split(clips, val_voices)[1]
        # each member's normalization, from its own training clips of this fold
        stats = [band_stats([base[index[c]] for c in split(select(clips, r), val_voices)[0]], r.normalization)
                 for r in recipes]
        clean = [base[index[c]] for c in val]
        members = [fold_features(clips, val_voices, clean, recipe, data) for recipe in recipes]
        own = by_corpus(val)[primary]
        y_true = np.array([val[i].label for i in own])
        for kind in KINDS:
            sessions = [session(work / "exp" / n / f"fold{f}-{kind}.onnx") for n in names]
            for cond in table.names:
                probs = [clip_probabilities(sess, [feats[cond][0][i] for i in own], st,
                                            feats[cond][1] and [feats[cond][1][i] for i in own])
                         for sess, feats, st in zip(sessions, members, stats)]
                table.add(kind, cond, val_voices, y_true, restrict(np.mean(probs, axis=0), labels))
            print(f"fold {f}" + table.last_fold(kind), flush=True)
    return table.summary()


def scores(cv: dict) -> dict:
    """A cross-validation summary's figures as experiments.jsonl records them."""
    return {**{f"{k}_{m}": cv[k][m] for k in cv for m in ("ua_mean", "ua_std", "accuracy_mean")},
            "per_fold_int8_ua": [x["ua"] for x in cv["int8"]["folds"]],
            "per_fold_float_ua": [x["ua"] for x in cv["float"]["folds"]],
            "conditions": {k: cv[k]["conditions"] for k in cv},
            "corpora": {k: {name: {"ua_mean": r["ua_mean"], "conditions": r["conditions"]}
                            for name, r in cv[k].get("corpora", {}).items()} for k in cv}}


def row_name(row: dict) -> str:
    """The name a row of experiments.jsonl answers to in --compare: the variant of a run of every fold, or
    the variants whose saved fold models it re-scored ("A + B" for their ensemble); a run or re-scoring of some
    folds only (--folds) adds them ("A folds 1 2"), so it pairs only with runs of the same folds."""
    name = " + ".join(row["rescored"]) if "rescored" in row else row["variant"]
    folds = row.get("folds", "all")
    return name if folds == "all" else f"{name} folds {' '.join(map(str, folds))}"


def compare(rows: list, base: str, other: str) -> str:
    """Markdown: per corpus and condition, the int8 UA (mean of the folds) of each name's latest row in `rows`
    (row_name; so "recipe" means the recipe of its last run) and the change per fold in points; then the mean
    change over each family of conditions and how many improved, and each emotion's clean recall (pooled over
    the folds). Compare rows run on one machine (training/README.md)."""
    latest = {row_name(r): r for r in rows}
    ra, rb = latest[base], latest[other]
    corpora = [("", ra["conditions"]["int8"], rb["conditions"]["int8"])]
    others = [ra.get("corpora", {}).get("int8", {}), rb.get("corpora", {}).get("int8", {})]
    corpora += [(k, others[0][k]["conditions"], others[1][k]["conditions"]) for k in sorted(set(others[0]) & set(others[1]))]
    lines = []
    for corpus, a, b in corpora:
        lines += [f"| {corpus or 'condition'} | {base} | {other} | change | per fold |", "|---|---|---|---|---|"]
        changes = {}
        for name in (n for n in a if n in b):
            fa, fb = np.array(a[name]["ua_folds"]), np.array(b[name]["ua_folds"])
            per_fold = 100 * (fb - fa)
            changes[name] = per_fold.mean()
            lines.append(f"| {name} | {fa.mean():.3f} | {fb.mean():.3f} | {per_fold.mean():+.1f} | "
                         f"{', '.join(f'{d:+.1f}' for d in per_fold)} |")
        lines.append("")
        for fam in FAMILIES:
            c = [v for n, v in changes.items() if family(n) == fam]
            if c:
                lines.append(f"{fam}: {np.mean(c):+.2f} points over {len(c)} conditions, {sum(x > 0 for x in c)} better")
        recall_a, recall_b = a["clean"]["pooled_recall"], b["clean"]["pooled_recall"]
        lines += ["", f"| clean recall | {base} | {other} |", "|---|---|---|"]
        lines += [f"| {e} | {recall_a[e]:.2f} | {recall_b[e]:.2f} |" for e in recall_a] + [""]
    return "\n".join(lines).rstrip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variants", nargs="+", help=f"any of {', '.join(sorted(VARIANTS))}; with --compare, any row's name")
    ap.add_argument("--processes", type=int, default=2, help="folds trained at once, each in its own process")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process")
    ap.add_argument("--folds", type=int, nargs="+", help="only these folds (1-based): to finish a stopped run, or to re-score the folds it saved")
    ap.add_argument("--conditions", nargs="+", help="score only these conditions (conditions.CONDITIONS; their "
                    "conversation ones follow): a quicker run, compared on the conditions both rows have")
    ap.add_argument("--rescore", action="store_true",
                    help="score the variants' saved fold models (their average when several) instead of training")
    ap.add_argument("--baseline", type=lambda s: Path(s) if s else None, default=WORK_DIR / "cv",
                    help="the fold models a variant with references is compared with, without one (default: the "
                    "pipeline's, training/work/cv; '' for none)")
    ap.add_argument("--compare", action="store_true",
                    help="two names (row_name): their latest rows in experiments.jsonl side by side, condition by condition")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data, work = DATA_DIR, WORK_DIR
    if args.compare:
        if len(args.variants) != 2:
            ap.error("--compare takes two names: the base and the other")
        with open(work / "experiments.jsonl") as f:
            rows = [json.loads(line) for line in f]
        missing = sorted(set(args.variants) - {row_name(r) for r in rows})
        if missing:
            ap.error(f"no result of every fold in experiments.jsonl named {', '.join(missing)}")
        print(compare(rows, *args.variants))
        return
    unknown = sorted(set(args.variants) - set(VARIANTS))
    if unknown:
        ap.error(f"unknown variants: {', '.join(unknown)}")
    if args.conditions and (odd := sorted(set(args.conditions) - set(CONDITIONS))):
        ap.error(f"unknown conditions: {', '.join(odd)}")
    if args.rescore:
        clips = select(load_manifest(data), RECIPE)
        cv = rescore(args.variants, clips, data, work, args.folds)
        row = {"rescored": args.variants, "folds": args.folds or "all", **scores(cv)}
        with open(work / "experiments.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"| {' + '.join(args.variants)} (saved fold models) | {row['float_ua_mean']:.3f} ± {row['float_ua_std']:.3f} | "
              f"{row['int8_ua_mean']:.3f} ± {row['int8_ua_std']:.3f} | {row['int8_accuracy_mean']:.3f} |", flush=True)
        return
    for name in args.variants:
        recipe = dataclasses.replace(RECIPE, **VARIANTS[name], **({"conditions": tuple(args.conditions)} if args.conditions else {}))
        t0 = time.time()
        clips = select(load_manifest(data), recipe)
        log = lambda m: print(m, flush=True)  # noqa: E731
        trainings = fold_trainings(clips, recipe, work / "exp" / name, args.folds)
        base = clip_features(clips, data, work, 1.0)
        stats, _ = train_all(trainings, clips, base, data, recipe, args.processes, args.threads, log)
        cv = cross_validate(clips, base, recipe, work / "exp" / name, data, stats, log, only_folds=args.folds)
        if recipe.reference_share:
            table = reference_scores(clips, recipe, work / "exp" / name, stats, log, data, args.folds, args.baseline)
            with open(work / "experiments.jsonl", "a") as f:
                f.write(json.dumps({"variant": name, "reference_table": table, "baseline": str(args.baseline),
                                    "folds": args.folds or "all"}) + "\n")
            print(reference_table(table), flush=True)
        row = {"variant": name, "overrides": VARIANTS[name], "recipe": dataclasses.asdict(recipe),
               "seconds": round(time.time() - t0),
               "processes": args.processes, "threads": args.threads, "folds": args.folds or "all", **scores(cv)}
        with open(work / "experiments.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"| {name} | {row['float_ua_mean']:.3f} ± {row['float_ua_std']:.3f} | "
              f"{row['int8_ua_mean']:.3f} ± {row['int8_ua_std']:.3f} | {row['int8_accuracy_mean']:.3f} | "
              f"{row['seconds'] / 60:.1f} min |", flush=True)


if __name__ == "__main__":
    main()

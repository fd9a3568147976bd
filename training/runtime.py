"""The runtime as the judge of files and segments: each fold's exported model, loaded by the Rust core
through the voice_emotion package (python/), analyses that fold's held-out clips, clean and under the
validation conditions, exactly as `voice-emotion classify` does (speech gate, onset scaling, window
temperature); the file and segment calibrations are fitted on that output (training.calibration), so what
is calibrated is what is shipped.

    python -m training.runtime [models] [--folds DIR] [--fold-numbers 1 2] [--corpora ravdess tess]
                               [--clips-per-condition N]
        fits the window temperature and the file and segment calibrations again from saved fold models (the pipeline's,
        training/work/cv, or an experiment's) and rewrites the metadata and card in models; then
        `python -m training.live --write` fits the live view's temperature again (reset to 1 here)."""
import argparse
import dataclasses
import multiprocessing
import shutil
import tempfile
from pathlib import Path

import numpy as np
import voice_emotion

from . import affect, calibration, card
from .acoustics import seed_of
from .conditions import ClipAudio, acoustic_names, validation_effects
from .config import DATA_DIR, KINDS, RECIPE, REPO, SAMPLE_RATE, WORK_DIR
from .data import corpus_labels, corpus_masks, load_manifest, select, speaker_folds, split
from .evaluate import clip_logits, session
from .export import cut_trunk_and_head
from .features import Stats, band_stats, clip_features, load_audio
from .metadata import decision, metadata, read, write


def runtime_files(whole: Path, stats: Stats, decision_params: dict, folder: Path) -> Path:
    """Writes what the runtime loads for a whole-window model into folder (trunk, head, metadata with the
    given decision) and returns the metadata's path."""
    folder.mkdir(parents=True, exist_ok=True)
    cut_trunk_and_head(whole, folder / "model-trunk.onnx", folder / "model-head.onnx")
    shutil.copyfile(whole, folder / "model.onnx")
    path = folder / "model.json"
    write(path, metadata(stats, decision_params, affect.UNFITTED, {}, "model"))
    return path


def stretches(model: voice_emotion.Model, samples: np.ndarray) -> tuple:
    """The runtime's analysis of mono samples at SAMPLE_RATE as calibration reads it: the file's (probabilities,
    seconds of speech), None without speech, and [(probabilities, seconds)] of each segment with speech."""
    a = model.analyze(np.asarray(samples, np.float32), SAMPLE_RATE)
    return (a["overall"] and (a["overall"]["probabilities"], a["speech_seconds"]),
            [(s["emotion"]["probabilities"], s["end"] - s["start"]) for s in a["timeline"] if s["emotion"]])


_models = {}


def _analyse(job: tuple) -> dict:
    """A worker's job (metadata path by kind, data dir, clip path, effect, babble sources): the clip under the
    effect, analysed by each model: {kind: stretches}."""
    metas, data_dir, path, effect, sources = job
    y = effect(load_audio(Path(data_dir) / path), babble_sources=ClipAudio(data_dir, sources))
    for meta in metas.values():
        if meta not in _models:
            _models[meta] = voice_emotion.Model.from_files(meta)
    return {kind: stretches(_models[meta], y) for kind, meta in metas.items()}


def held_out_analyses(clips: list, recipe, fold: int, val_voices: tuple, metas: dict, data_dir: Path,
                      workers: int = 2) -> list:
    """[(condition, clip label, corpus, {kind: stretches})]: every held-out clip of the fold clean, and under each other
    condition of the recipe `recipe.calibration_clips` of them (drawn per fold and condition), rendered as the
    cross-validation renders them (conditions.validation_effects) and analysed by the runtime."""
    jobs, keys = [], []
    for name in acoustic_names(recipe):
        effects = validation_effects(clips, val_voices, name)
        if name != "clean" and len(effects) > recipe.calibration_clips:
            drawn = np.random.default_rng(seed_of("calibration", fold, name)).choice(
                len(effects), recipe.calibration_clips, replace=False)
            effects = [effects[i] for i in sorted(drawn)]
        jobs += [(metas, data_dir, c.path, effect, sources) for c, effect, sources in effects]
        keys += [(name, c.label, c.corpus) for c, _, _ in effects]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        analyses = pool.map(_analyse, jobs, chunksize=4)
    return [(*key, a) for key, a in zip(keys, analyses)]


def calibrate_folds(clips: list, recipe, folds: list, models: dict, stats: dict, temperatures: dict,
                    data_dir: Path, log=print, workers: int = 2) -> dict:
    """{kind: {**calibration.calibrate_stretches, "affect": ...}}: folds [(number, held-out voices)], models
    {number: {kind: whole ONNX path}}, stats {number: Stats}, temperatures {kind: window temperature}. Then,
    on the files as the runtime will show them (their fitted map applied), the energy and pleasantness maps
    (training.affect, fitted on every condition pooled) and their balanced accuracy per corpus, clean and
    the mean over the degraded conditions. Clips the speech gate hears no speech in have no file label and are
    left out (counted in `no_speech`)."""
    results, corpora = {k: {} for k in KINDS}, {}
    no_speech = 0
    for f, val_voices in folds:
        with tempfile.TemporaryDirectory() as tmp:
            metas = {k: str(runtime_files(models[f][k], stats[f], decision(temperatures[k]), Path(tmp) / k))
                     for k in KINDS}
            rows = held_out_analyses(clips, recipe, f, val_voices, metas, data_dir, workers)
        log(f"fold {f}: the runtime analysed {len(rows)} held-out clips under {len({r[0] for r in rows})} conditions")
        for name, label, corpus, analysis in rows:
            for kind, (file, segments) in analysis.items():
                units = results[kind].setdefault(name, {"files": [], "segments": []})
                if file is None:
                    no_speech += kind == KINDS[0]
                    continue
                corpora.setdefault((kind, name), []).append(corpus)
                units["files"].append((*file, label, corpus))
                units["segments"] += [(*segment, label, corpus) for segment in segments]
    out = {}
    for kind, by_condition in results.items():
        # (probabilities, labels, seconds, corpora) per condition and unit; a condition the gate heard no speech in
        # is left out.
        arrays = {name: {u: (np.array([r[0] for r in rows], np.float64), np.array([r[2] for r in rows]),
                             np.array([r[1] for r in rows], np.float64), np.array([r[3] for r in rows]))
                         for u, rows in units.items()}
                  for name, units in by_condition.items() if units["files"]}
        out[kind] = {**calibration.calibrate_stretches(arrays, corpus_labels(clips)), "no_speech": no_speech}
        file_map = out[kind]["files"]["calibration"]
        files = {name: (calibration.shown(a["files"][0], a["files"][2], file_map), a["files"][1])
                 for name, a in arrays.items()}
        out[kind]["affect"] = affect_scores(files, {n: np.array(corpora[(kind, n)]) for n in files})
        for unit in ("files", "segments"):
            r = out[kind][unit]
            log(f"{kind} {unit}: {r['calibration']}, ECE clean {r['before']['clean']['ece']:.3f} -> "
                f"{r['after']['clean']['ece']:.3f}, degraded mean {r['before']['degraded_mean_ece']:.3f} -> "
                f"{r['after']['degraded_mean_ece']:.3f}, pooled {r['before']['degraded_pooled_ece']:.3f} -> "
                f"{r['after']['degraded_pooled_ece']:.3f}")
    return out


def affect_scores(files: dict, corpora: dict) -> dict:
    """The energy and pleasantness maps fitted on files {condition: (shown probabilities, labels)} pooled, and
    their balanced accuracy per corpus (corpora {condition: corpus of each file}): clean, and the mean over the
    degraded conditions."""
    maps = affect.fit(*(np.concatenate([f[i] for f in files.values()]) for i in (0, 1)))

    def scores(name: str, corpus: str) -> dict:
        keep = corpora[name] == corpus
        return affect.balanced_accuracy(files[name][0][keep], files[name][1][keep], maps)
    out = {"maps": maps, "clean": {}, "degraded_mean": {}}
    for corpus in sorted(set(corpora["clean"])):
        out["clean"][corpus] = scores("clean", corpus)
        degraded = [scores(n, corpus) for n in files if n != "clean"]
        out["degraded_mean"][corpus] = {
            axis: float(np.mean(v)) if (v := [d[axis] for d in degraded if d[axis] is not None]) else None
            for axis in affect.AXES}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, nargs="?", default=REPO / "models")
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--folds", type=Path, default=WORK_DIR / "cv", help="where fold{k}-{kind}.onnx are")
    ap.add_argument("--fold-numbers", type=int, nargs="+", help="only these folds (1-based)")
    ap.add_argument("--corpora", nargs="+", help="the corpora the fold models were trained on (default: every one)")
    ap.add_argument("--clips-per-condition", type=int, default=RECIPE.calibration_clips,
                    help="held-out clips per fold and degraded condition (default: the recipe's)")
    ap.add_argument("--keep-window-temperature", action="store_true",
                    help="fit only files and segments, under the window temperature (and its calibration figures) "
                         "the models already have: when the fold models stand in for folds no longer at hand")
    args = ap.parse_args()
    recipe = dataclasses.replace(RECIPE, calibration_clips=args.clips_per_condition,
                                 **({"corpora": tuple(args.corpora)} if args.corpora else {}))
    clips = select(load_manifest(args.data), recipe)
    base = clip_features(clips, args.data, WORK_DIR, 1.0)
    index = {c: i for i, c in enumerate(clips)}
    folds = [(f, v) for f, v in enumerate(speaker_folds(clips, recipe.folds), 1)
             if not args.fold_numbers or f in args.fold_numbers]
    models = {f: {k: args.folds / f"fold{f}-{k}.onnx" for k in KINDS} for f, _ in folds}
    stats, logits, held_out = {}, {k: [] for k in KINDS}, []
    for f, val_voices in folds:
        train, val = split(clips, val_voices)
        stats[f] = band_stats([base[index[c]] for c in train], recipe.normalization)
        held_out += val
        for kind in KINDS if not args.keep_window_temperature else ():
            logits[kind] += clip_logits(session(models[f][kind]), [base[index[c]] for c in val], stats[f])
    if args.keep_window_temperature:
        windows = {k: {key: v for key, v in read(args.out / name)["metrics"]["cv"]["calibration"].items()
                       if key not in ("files", "segments", "no_speech", "files_and_segments_fitted_on")}
                   for k, name in (("int8", "emotion.json"), ("float", "emotion-float.json"))}
    else:
        judged = corpus_masks([c.corpus for c in held_out], corpus_labels(clips))
        windows = {k: calibration.calibrate(logits[k], np.array([c.label for c in held_out]), judged) for k in KINDS}
    stretches = calibrate_folds(clips, recipe, folds, models, stats, {k: windows[k]["temperature"] for k in KINDS},
                                args.data)
    for kind, name in (("int8", "emotion.json"), ("float", "emotion-float.json")):
        meta = read(args.out / name)
        meta["metrics"]["cv"]["calibration"] = {**windows[kind], **stretches[kind],
                                                "files_and_segments_fitted_on": f"folds {[f for f, _ in folds]} of {args.folds}"}
        meta["decision"] = decision(windows[kind]["temperature"], stretches[kind]["files"]["calibration"],
                                    stretches[kind]["segments"]["calibration"])
        meta["affect"] = affect.metadata(stretches[kind]["affect"]["maps"])
        write(args.out / name, meta)
        print(f"{kind}: window temperature {windows[kind]['temperature']:.3f}, file "
              f"{stretches[kind]['files']['calibration']}, segment {stretches[kind]['segments']['calibration']}")
    card.rewrite(args.out)


if __name__ == "__main__":
    main()

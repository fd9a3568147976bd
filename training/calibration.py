"""Confidence calibration: one temperature dividing the logits, fitted on out-of-fold windows of the
cross-validation, so that a window's top probability is about the chance it is right on unseen speakers.
The runtime applies it (metadata `decision.temperature`); the card shows the reliability before and after.

    python -m training.calibration [models] [--folds DIR]   fits it again from saved fold models (the
        pipeline's, training/work/cv, or an experiment's) and rewrites the metadata and card."""
import argparse
from pathlib import Path

import numpy as np
import scipy.optimize

from .evaluate import mean_softmax, softmax

BINS = 10


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimizing the negative log-likelihood of labels under softmax(logits / T)."""
    def nll(log_t: float) -> float:
        p = softmax(logits, float(np.exp(log_t)))
        return float(-np.mean(np.log(p[np.arange(labels.size), labels] + 1e-12)))
    return float(np.exp(scipy.optimize.minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


def reliability(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    """Per confidence bin (top probability in tenths): count, mean confidence, accuracy; and the expected
    calibration error (the count-weighted mean gap between confidence and accuracy)."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    bins = np.minimum((confidence * BINS).astype(int), BINS - 1)
    rows = [{"count": int(np.sum(bins == b)),
             "confidence": float(confidence[bins == b].mean()) if np.any(bins == b) else None,
             "accuracy": float(right[bins == b].mean()) if np.any(bins == b) else None} for b in range(BINS)]
    ece = sum(r["count"] * abs(r["confidence"] - r["accuracy"]) for r in rows if r["count"]) / labels.size
    return {"ece": float(ece), "mean_confidence": float(confidence.mean()), "accuracy": float(right.mean()),
            "bins": rows}


def calibrate(window_logits: list, labels: np.ndarray) -> dict:
    """window_logits[i]: [windows, n_labels] logits of out-of-fold clip i (label labels[i]). Fits the
    temperature on all windows; reports reliability of windows and of clips (the mean of their windows'
    probabilities, as the CLI's overall answer) before and after."""
    windows = np.concatenate(window_logits)
    window_labels = np.repeat(labels, [len(w) for w in window_logits])
    temperature = fit_temperature(windows, window_labels)

    return {
        "temperature": temperature,
        "fitted_on": f"{len(windows)} out-of-fold windows of {len(window_logits)} clips",
        "windows": {"before": reliability(softmax(windows), window_labels),
                    "after": reliability(softmax(windows, temperature), window_labels)},
        "clips": {"before": reliability(mean_softmax(window_logits), labels),
                  "after": reliability(mean_softmax(window_logits, temperature), labels)},
    }


def main() -> None:
    from . import card
    from .config import DATA_DIR, KINDS, RECIPE, REPO, WORK_DIR
    from .data import load_manifest, select, speaker_folds, split
    from .evaluate import clip_logits, session
    from .features import band_stats, clip_features
    from .metadata import decision, read, write

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, nargs="?", default=REPO / "models")
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--folds", type=Path, default=WORK_DIR / "cv", help="where fold{k}-{kind}.onnx are")
    args = ap.parse_args()
    clips = select(load_manifest(args.data), RECIPE)
    base = clip_features(clips, args.data, WORK_DIR, 1.0)
    index = {c: i for i, c in enumerate(clips)}
    logits, labels = {k: [] for k in KINDS}, []
    for f, val_voices in enumerate(speaker_folds(clips, RECIPE.folds)):
        train, val = split(clips, val_voices)
        stats = band_stats([base[index[c]] for c in train], RECIPE.normalization)
        labels += [c.label for c in val]
        for kind in KINDS:
            sess = session(args.folds / f"fold{f + 1}-{kind}.onnx")
            logits[kind] += clip_logits(sess, [base[index[c]] for c in val], stats)
    for kind, name in (("int8", "emotion.json"), ("float", "emotion-float.json")):
        meta = read(args.out / name)
        meta["metrics"]["cv"]["calibration"] = calibrate(logits[kind], np.array(labels))
        meta["decision"] = decision(meta["metrics"]["cv"]["calibration"]["temperature"])
        write(args.out / name, meta)
        print(f"{kind}: temperature {meta['decision']['temperature']:.3f}")
    card.rewrite(args.out)


if __name__ == "__main__":
    main()

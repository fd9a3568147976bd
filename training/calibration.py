"""Confidence calibration, so that a top probability is about the chance it is right on unseen speakers:
one temperature dividing a window's logits, fitted on out-of-fold windows (metadata `decision.temperature`),
and a monotone map of a whole file's and of a timeline segment's mean probabilities, fitted on what the
runtime itself computes for out-of-fold clips (training.runtime; `decision.file`, `decision.segment`).
The card shows the reliability before and after.

A clip's label says nothing of the labels its corpus lacks (nEMO has no calm): its windows are fitted on the
likelihood among its corpus's labels, as the training loss reads them, and an answer it cannot judge (nEMO
heard as calm) is left out of every fit and figure, and counted. Judged as wrong, such answers had made the
maps so much softer that English speakers' files showed 0.38 where they were right 63 % of the time."""
import numpy as np
import scipy.optimize

from .data import corpus_masks
from .evaluate import mean_softmax, softmax

BINS = 10


def fit_temperature(logits: np.ndarray, labels: np.ndarray, judged: np.ndarray = None) -> float:
    """The temperature minimizing the negative log-likelihood of labels under softmax(logits / T), each row's
    softmax over its judged labels ([n, labels] bool, data.label_masks; all when None)."""
    if judged is not None:
        logits = np.where(judged, logits, -np.inf)

    def nll(log_t: float) -> float:
        p = softmax(logits, float(np.exp(log_t)))
        return float(-np.mean(np.log(p[np.arange(labels.size), labels] + 1e-12)))
    return float(np.exp(scipy.optimize.minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


def reliability(probabilities: np.ndarray, labels: np.ndarray, judged: np.ndarray = None) -> dict:
    """Per confidence bin (top probability in tenths): count, mean confidence, accuracy; and the expected
    calibration error (the count-weighted mean gap between confidence and accuracy). Over the answers whose
    label is judged (judged_answers); `unjudged` counts the others."""
    keep = judged_answers(probabilities, judged)
    p = probabilities[keep]
    return {**_reliability(p.max(axis=1), p.argmax(axis=1) == labels[keep]), "count": int(keep.sum()),
            "unjudged": int(keep.size - keep.sum())}


def judged_answers(probabilities: np.ndarray, judged: np.ndarray = None) -> np.ndarray:
    """[n] bool: the rows whose top label is among their judged ones (all when judged is None)."""
    if judged is None:
        return np.ones(len(probabilities), bool)
    return judged[np.arange(len(probabilities)), probabilities.argmax(axis=1)]


def sampling_ece(probabilities: np.ndarray, draws: int = 200) -> float:
    """The mean expected calibration error of answers exactly as sure as these and right by chance at that
    rate: what sampling alone gives so few answers, the floor a measured ECE cannot be read below."""
    confidence = probabilities.max(axis=1)
    rng = np.random.default_rng(0)
    return float(np.mean([_reliability(confidence, rng.random(confidence.size) < confidence)["ece"]
                          for _ in range(draws)]))


def _reliability(confidence: np.ndarray, right: np.ndarray) -> dict:
    bins = np.minimum((confidence * BINS).astype(int), BINS - 1)
    rows = [{"count": int(np.sum(bins == b)),
             "confidence": float(confidence[bins == b].mean()) if np.any(bins == b) else None,
             "accuracy": float(right[bins == b].mean()) if np.any(bins == b) else None} for b in range(BINS)]
    ece = sum(r["count"] * abs(r["confidence"] - r["accuracy"]) for r in rows if r["count"]) / right.size
    return {"ece": float(ece), "mean_confidence": float(confidence.mean()), "accuracy": float(right.mean()),
            "bins": rows}


def calibrate(window_logits: list, labels: np.ndarray, judged: np.ndarray) -> dict:
    """window_logits[i]: [windows, n_labels] logits of out-of-fold clip i (label labels[i], judged labels
    judged[i]). Fits the temperature on all windows; reports reliability of windows and of clips (the mean of
    their windows' probabilities, as the CLI's overall answer) before and after."""
    counts = [len(w) for w in window_logits]
    windows = np.concatenate(window_logits)
    window_labels, window_judged = np.repeat(labels, counts), np.repeat(judged, counts, axis=0)
    temperature = fit_temperature(windows, window_labels, window_judged)

    return {
        "temperature": temperature,
        "fitted_on": f"{len(windows)} out-of-fold windows of {len(window_logits)} clips",
        "windows": {"before": reliability(softmax(windows), window_labels, window_judged),
                    "after": reliability(softmax(windows, temperature), window_labels, window_judged)},
        "clips": {"before": reliability(mean_softmax(window_logits), labels, judged),
                  "after": reliability(mean_softmax(window_logits, temperature), labels, judged)},
    }


IDENTITY = {"temperature": 1.0, "seconds_exponent": 0.0, "shortest_seconds": 0.5, "longest_seconds": 0.5}


def shown(probabilities: np.ndarray, seconds: np.ndarray, c: dict) -> np.ndarray:
    """What the runtime shows for stretches' mean probabilities [n, labels] of `seconds` [n] under a stretch
    calibration c (metadata `decision.file` or `decision.segment`; src/analysis.rs)."""
    scale = np.clip(seconds, c["shortest_seconds"], c["longest_seconds"]) ** c["seconds_exponent"] / c["temperature"]
    logits = np.log(np.maximum(probabilities, np.finfo(np.float32).tiny)) * scale[:, None]
    return softmax(logits)


def fit_stretch(probabilities: np.ndarray, labels: np.ndarray, seconds: np.ndarray, by_length: bool) -> dict:
    """The stretch calibration whose top confidence best matches being right (the least squared gap between
    each stretch's shown confidence and whether its label is right: the top-label Brier score, which a
    monotone map lowers only by calibrating): a temperature, and with by_length an exponent of the stretch's
    seconds, clamped to the range seen (no extrapolation). The likelihood of every label, fitted instead,
    also answers to the probabilities below the top one, and made v14's files, calibrated as they were, less
    so (ECE 0.042 -> 0.045)."""
    shortest, longest = float(seconds.min()), float(seconds.max())
    right = probabilities.argmax(axis=1) == labels  # no map here changes the label

    def params(x: np.ndarray) -> dict:
        return {"temperature": float(np.exp(x[0])), "seconds_exponent": float(x[1]) if by_length else 0.0,
                "shortest_seconds": shortest, "longest_seconds": longest}

    def brier(x: np.ndarray) -> float:
        return float(np.mean((shown(probabilities, seconds, params(x)).max(axis=1) - right) ** 2))
    return params(scipy.optimize.minimize(brier, np.zeros(2 if by_length else 1), method="Nelder-Mead").x)


# Files are held to one temperature: calibration clips last 1-5 s, a user's files minutes, so no trend with
# length can be learnt for them. A segment's length is its windows' agreement, and is within that range.
BY_LENGTH = {"files": False, "segments": True}


def calibrate_stretches(results: dict, labels_of: dict) -> dict:
    """results: {condition: {"files": (probabilities [n, labels], labels [n], seconds [n], corpora [n]),
    "segments": (...)}}, the runtime's raw means (decision.file and .segment the identity) of out-of-fold clips,
    each segment labelled with its clip's label; labels_of: data.corpus_labels. For files and for segments,
    over the answers their corpus can judge (the others counted in `unjudged`): the calibration fitted on every
    condition pooled (fit_stretch), and the reliability before and after: clean, and each corpus's clean (a
    pooled figure can hide corpora off in opposite ways), the mean expected calibration error of the degraded
    conditions (each condition's own too) beside the mean that sampling alone would give them (sampling_ece),
    and that of the degraded ones pooled."""
    out = {}
    for unit in ("files", "segments"):
        judged = {name: judged_answers(r[unit][0], corpus_masks(r[unit][3], labels_of)) for name, r in results.items()}
        kept = {name: tuple(a[judged[name]] for a in r[unit]) for name, r in results.items()}
        pooled = [np.concatenate([r[i] for r in kept.values()]) for i in (0, 1, 2)]
        fitted = fit_stretch(*pooled, BY_LENGTH[unit])

        def table(c: dict) -> dict:
            per = {name: reliability(shown(r[0], r[2], c), r[1]) for name, r in kept.items()}
            degraded = [name for name in per if name != "clean"]
            pooled_degraded = [np.concatenate([kept[n][i] for n in degraded]) for i in (0, 1, 2)]
            p, y, s, corpora = kept["clean"]
            return {"clean": per["clean"],
                    "clean_by_corpus": {k: reliability(shown(p[corpora == k], s[corpora == k], c), y[corpora == k])
                                        for k in sorted(set(corpora))},
                    "degraded_mean_ece": float(np.mean([per[n]["ece"] for n in degraded])) if degraded else None,
                    "degraded_mean_sampling_ece": (float(np.mean([sampling_ece(shown(kept[n][0], kept[n][2], c))
                                                                  for n in degraded])) if degraded else None),
                    "degraded_pooled_ece": (reliability(shown(pooled_degraded[0], pooled_degraded[2], c),
                                                        pooled_degraded[1])["ece"] if degraded else None),
                    "conditions": {name: v["ece"] for name, v in per.items()}}
        out[unit] = {"calibration": fitted, "count": int(pooled[1].size),
                     "unjudged": int(sum((~j).sum() for j in judged.values())),
                     "before": table(IDENTITY), "after": table(fitted)}
    return out

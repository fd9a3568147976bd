"""Reliability of the live view: out-of-fold clips streamed as the runtime streams them (src/stream.rs,
src/recognizer.rs), so the confidence at an utterance's onset, when the window holds little speech, is
measured and not assumed from the full windows that the temperature was fitted on.

Each held-out clip is streamed after `lead` seconds of digital silence (a fresh stream: the first windows
hold fewer frames, the rest of the window is the log floor before the stream, as in the runtime) and followed
by `tail` seconds of it; a window ends every hop, the speech gate (src/gate.rs, mirrored in `is_speech`)
drops the windows without speech, and the recognizer's exponential smoothing of log-probabilities (reset
after `forget_after_seconds` without speech) is applied to the rest. RAVDESS clips are themselves framed by
digital silence, so the joins are seamless. A window's speech seconds are its active frames (level at or
above the gate's `frame_db`) times the frame hop.

    python -m training.live [--folds DIR] [--work DIR] [--out FILE] [--lead S] [--write]   scores the saved
        fold models' live windows (cached in FILE until the fold models change), prints the reliability of
        each fix tried and the full_confidence_seconds it would choose; --write stores the smoothed view's
        fitted temperature (decision.live_temperature) and the figures before and after in the metadata
        (metrics.cv.calibration.live) and rewrites the card."""
import argparse
from pathlib import Path

import numpy as np

from .calibration import fit_stretch, fit_temperature, judged_answers, reliability
from .config import DECISION, FRONTEND, LOG_FLOOR_DB, SAMPLE_RATE, SPEECH_GATE, WINDOW
from .evaluate import softmax
from .features import Normalizer, clip_ends

HOP_SECONDS = FRONTEND["hop_length"] / SAMPLE_RATE
WINDOW_HOP_SECONDS = WINDOW["hop_frames"] * HOP_SECONDS
SPEECH_EDGES = (1.0, 2.0)


def frame_levels(mel_db: np.ndarray) -> np.ndarray:
    """Per frame of [..., n_mels, frames] dB, the runtime's level: total mel power in dB (MelFrame::level_db).
    From the clamped dB bands, so bands at the floor count as no power: a silent frame reads the floor as in
    the runtime."""
    power = np.where(mel_db > LOG_FLOOR_DB, 10.0 ** (mel_db.astype(np.float64) / 10.0), 0.0).sum(axis=-2)
    return (10.0 * np.log10(np.maximum(power, FRONTEND["amin"]))).astype(np.float32)


def is_speech(levels: np.ndarray, gate: dict = SPEECH_GATE) -> bool:
    """SpeechGate::is_speech: enough active frames, and a spread of level (95th minus 10th percentile,
    nearest rank rounded as the runtime does) that steady noise lacks."""
    if levels.size == 0 or np.sum(levels >= gate["frame_db"]) < gate["min_active_fraction"] * levels.size:
        return False
    s = np.sort(levels)
    at = lambda q: s[int(np.round((s.size - 1) * q))]  # noqa: E731
    return bool(at(0.95) - at(0.10) >= gate["min_range_db"])


def speech_seconds(levels: np.ndarray, gate: dict = SPEECH_GATE) -> np.ndarray:
    """Seconds of active frames in each window of frame levels [..., frames]."""
    return np.sum(levels >= gate["frame_db"], axis=-1) * HOP_SECONDS


def live_windows(mel_db: np.ndarray, normalizer: Normalizer, lead: float = 2.0, tail: float = 3.0) -> tuple:
    """The windows the runtime forms while the clip streams in: (model inputs [hops, n_mels, frames], speech
    seconds [hops], gated [hops]: the gate lets the window through). Window k ends after (k + 1) * hop_frames
    frames of the stream; the stream is preceded by the floor (a fresh stream)."""
    pad = lambda seconds: np.full((mel_db.shape[0], round(seconds / HOP_SECONDS)), LOG_FLOOR_DB, np.float32)  # noqa: E731
    stream = np.concatenate([pad(lead), mel_db, pad(tail)], axis=1)
    levels = frame_levels(stream)
    ends = range(WINDOW["hop_frames"], stream.shape[1] + 1, WINDOW["hop_frames"])
    starts = [max(0, e - WINDOW["frames"]) for e in ends]
    windows = normalizer.windows(stream, ends)
    held = [levels[s:e] for s, e in zip(starts, ends)]
    return (windows, np.array([speech_seconds(h) for h in held]), np.array([is_speech(h) for h in held]))


def full_window_speech(mel_db: np.ndarray) -> np.ndarray:
    """Speech seconds of each window that the clip evaluation scores (features.clip_ends)."""
    levels = frame_levels(mel_db)
    return np.array([speech_seconds(levels[max(0, e - WINDOW["frames"]):e]) for e in clip_ends(levels.size)])


def smooth(probabilities: list, decision: dict = DECISION, geometric: bool = True) -> list:
    """The recognizer over one stream: probabilities[k] of the k-th hop's window, None when gated out;
    returns the smoothed probabilities shown at each hop (None during silence). The runtime smooths the
    log-probabilities (a weighted geometric mean) and shows their softmax at decision["live_temperature"];
    geometric=False is the arithmetic mean it used before."""
    alpha = 1.0 - np.exp(-WINDOW_HOP_SECONDS / decision["smoothing_seconds"])
    smoothed, silent_for, out = None, 0.0, []
    for p in probabilities:
        if p is None:
            silent_for += WINDOW_HOP_SECONDS
            if silent_for >= decision["forget_after_seconds"]:
                smoothed = None
            out.append(None)
            continue
        silent_for = 0.0
        x = np.log(np.maximum(p, np.finfo(np.float32).tiny)) if geometric else p
        smoothed = x if smoothed is None else smoothed + alpha * (x - smoothed)
        out.append(softmax(smoothed, decision["live_temperature"]) if geometric else smoothed)
    return out


def by_speech(probabilities: np.ndarray, labels: np.ndarray, seconds: np.ndarray, judged: np.ndarray,
              edges=SPEECH_EDGES) -> dict:
    """Reliability overall (with its bins) and per bucket of speech seconds in the window (< edges[0], ...,
    >= edges[-1]; without), over the answers their corpus can judge (calibration.reliability)."""
    bounds = (0.0, *edges, np.inf)
    out = {"all": reliability(probabilities, labels, judged)}
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        pick = (seconds >= lo) & (seconds < hi)
        name = f"< {hi:g} s" if lo == 0 else f">= {lo:g} s" if hi == np.inf else f"{lo:g}-{hi:g} s"
        if np.any(pick):
            bucket = reliability(probabilities[pick], labels[pick], judged[pick])
            out[name] = {"count": int(pick.sum()), **{k: v for k, v in bucket.items() if k != "bins"}}
    return out


def probabilities(logits: np.ndarray, seconds: np.ndarray, temperature: float, full_seconds: float = 0.0) -> np.ndarray:
    """The runtime's calibrated probabilities; with full_seconds, a window's logits are first scaled by
    min(1, its speech seconds / full_seconds) (a candidate fix: less speech, less sure)."""
    scale = np.minimum(1.0, seconds / full_seconds) if full_seconds else np.ones_like(seconds)
    return softmax(logits * scale[:, None], temperature)


def score_folds(folds: Path, data: Path, work: Path, lead: float, kinds=("int8", "float")) -> dict:
    """Logits of every out-of-fold clip's gated live windows and of its full windows, per model kind, with
    the windows' speech seconds and clip indices (flat arrays, the live ones one row per hop)."""
    from .config import RECIPE
    from .data import label_masks, load_manifest, select, speaker_folds, split
    from .evaluate import session, window_logits
    from .features import band_stats, clip_features

    clips = select(load_manifest(data), RECIPE)
    base = clip_features(clips, data, work, 1.0)
    index = {c: i for i, c in enumerate(clips)}
    masks = label_masks(clips)
    rows = {key: [] for key in ("labels", "judged", "live_clip", "live_seconds", "live_gated", "full_clip", "full_seconds",
                                *(f"{unit}_logits_{k}" for unit in ("live", "full") for k in kinds))}
    for f, val_voices in enumerate(speaker_folds(clips, RECIPE.folds)):
        train, val = split(clips, val_voices)
        normalizer = Normalizer(band_stats([base[index[c]] for c in train], RECIPE.normalization))
        sessions = {k: session(folds / f"fold{f + 1}-{k}.onnx", threads=1) for k in kinds}
        for c in val:
            mel, clip = base[index[c]], len(rows["labels"])
            rows["labels"].append(c.label)
            rows["judged"].append(masks[index[c]])
            windows, seconds, gated = live_windows(mel, normalizer, lead)
            rows["live_clip"].append(np.full(len(seconds), clip))
            rows["live_seconds"].append(seconds)
            rows["live_gated"].append(gated)
            full = normalizer.windows(mel, clip_ends(mel.shape[1]))
            rows["full_clip"].append(np.full(len(full), clip))
            rows["full_seconds"].append(full_window_speech(mel))
            for k, sess in sessions.items():
                live = np.full((len(seconds), 8), np.nan, np.float32)
                live[gated] = [window_logits(sess, w) for w in windows[gated]]
                rows[f"live_logits_{k}"].append(live)
                rows[f"full_logits_{k}"].append(np.stack([window_logits(sess, w) for w in full]))
        print(f"fold {f + 1}: {len(rows['labels'])} clips", flush=True)
    return {k: np.array(v) if k in ("labels", "judged") else np.concatenate(v) for k, v in rows.items()}


def live_shown(d: dict, kind: str, temperature: float, full_seconds: float = 0.0, min_speech: float = 0.0,
               geometric: bool = True, decision: dict = DECISION) -> tuple:
    """(probabilities of every live window, what is shown after the smoothing (NaN when nothing is), which
    windows are scored) under one option: the temperature, the speech scaling (`probabilities`), the least
    speech a window needs to be scored (beyond the gate) and the smoothing."""
    scored = d["live_gated"] & (d["live_seconds"] >= min_speech)
    p = probabilities(np.nan_to_num(d[f"live_logits_{kind}"]), d["live_seconds"], temperature, full_seconds)
    shown = np.full_like(p, np.nan)
    for clip in range(d["labels"].size):
        rows = np.flatnonzero(d["live_clip"] == clip)
        stream = smooth([p[r] if scored[r] else None for r in rows], decision, geometric)
        for r, s in zip(rows, stream):
            if s is not None:
                shown[r] = s
    return p, shown, scored


def fit_live_temperature(d: dict, kind: str, temperature: float, full_seconds: float, decision: dict) -> float:
    """The metadata's decision.live_temperature: what divides the smoothed log-probabilities so that the live
    view's confidence matches being right (calibration.fit_stretch on the shown answers their corpus can
    judge). A weighted geometric mean of windows that disagree reads less sure than it is right."""
    _, shown, scored = live_shown(d, kind, temperature, full_seconds, decision={**decision, "live_temperature": 1.0})
    clips = d["live_clip"][scored]
    keep = judged_answers(shown[scored], d["judged"][clips])
    answers = shown[scored][keep]
    return fit_stretch(answers, d["labels"][clips][keep], np.ones(len(answers)), by_length=False)["temperature"]


def live_reliability(d: dict, kind: str, temperature: float, full_seconds: float = 0.0, min_speech: float = 0.0,
                     geometric: bool = True, decision: dict = DECISION) -> dict:
    """Reliability of the scored live windows, raw and smoothed as shown (by speech seconds), and of the clips
    (mean over full windows) with their UA, under one option (live_shown)."""
    from .evaluate import scores

    labels = d["labels"]
    p, shown, scored = live_shown(d, kind, temperature, full_seconds, min_speech, geometric, decision)
    live_labels, seconds = labels[d["live_clip"][scored]], d["live_seconds"][scored]
    judged = d["judged"][d["live_clip"][scored]]
    full = probabilities(d[f"full_logits_{kind}"], d["full_seconds"], temperature, full_seconds)
    clip_p = np.stack([full[d["full_clip"] == c].mean(axis=0) for c in range(labels.size)])
    return {"windows": by_speech(p[scored], live_labels, seconds, judged),
            "smoothed": by_speech(shown[scored], live_labels, seconds, judged),
            "clips": {**reliability(clip_p, labels, d["judged"]), "ua": scores(labels, clip_p.argmax(1))["ua"]},
            "scored": int(scored.sum())}


def worst_ece(r: dict) -> float:
    """The figure the speech scaling is chosen by: the worst ECE of clips, raw live windows and shown ones."""
    return max(r["clips"]["ece"], r["windows"]["all"]["ece"], r["smoothed"]["all"]["ece"])


def full_confidence_seconds(d: dict, kind: str, temperature: float) -> float:
    """The speech seconds (0.25 s steps up to a window) from which a window's logits count in full, as
    chosen for the runtime: the least worst ECE with the temperature fitted on full windows kept."""
    grid = np.arange(0.25, 3.01, 0.25)
    return float(min(grid, key=lambda s0: worst_ece(live_reliability(d, kind, temperature, s0))))


TABLE_HEAD = ("| option | clip ECE | clip UA | live ECE | < 1 s | 1-2 s | >= 2 s | smoothed ECE | < 1 s | 1-2 s | >= 2 s "
              "| < 1 s conf / acc raw | smoothed | scored |\n|" + "---|" * 14)


def table_row(option: str, params: dict, r: dict) -> str:
    ece = lambda x: " | ".join(f"{x[k]['ece']:.3f}" if k in x else "" for k in ("all", "< 1 s", "1-2 s", ">= 2 s"))  # noqa: E731
    short = lambda x: f"{x['< 1 s']['mean_confidence']:.2f} / {x['< 1 s']['accuracy']:.2f}" if "< 1 s" in x else ""  # noqa: E731
    return (f"| {option} | {r['clips']['ece']:.3f} | {r['clips']['ua']:.3f} | "
            f"{ece(r['windows'])} | {ece(r['smoothed'])} | {short(r['windows'])} | {short(r['smoothed'])} | "
            f"{r['scored']} |")


def options(d: dict, kind: str, temperature: float) -> list:
    """The fixes tried, each as live_reliability's parameters, all fitted on the out-of-fold windows."""
    full, labels = d[f"full_logits_{kind}"], d["labels"]
    gated = d["live_gated"]
    live, live_labels = d[f"live_logits_{kind}"][gated], labels[d["live_clip"][gated]]
    both, both_labels = np.concatenate([full, live]), np.concatenate([labels[d["full_clip"]], live_labels])
    live_judged = d["judged"][d["live_clip"][gated]]
    both_judged = np.concatenate([d["judged"][d["full_clip"]], live_judged])
    seconds = np.concatenate([d["full_seconds"], d["live_seconds"][gated]])
    t_both, t_live = fit_temperature(both, both_labels, both_judged), fit_temperature(live, live_labels, live_judged)
    arithmetic = {"geometric": False}
    out = [(f"before: T {temperature:.2f} (full windows), arithmetic smoothing", {"temperature": temperature, **arithmetic}),
           (f"T {t_both:.2f} (full + live windows)", {"temperature": t_both, **arithmetic}),
           (f"T {t_live:.2f} (live windows)", {"temperature": t_live, **arithmetic}),
           (f"T {temperature:.2f}, no window under 1 s of speech", {"temperature": temperature, "min_speech": 1.0, **arithmetic}),
           (f"T {temperature:.2f}, geometric smoothing", {"temperature": temperature})]
    for s0 in (1.5, 1.75, 2.0):
        scaled = both * np.minimum(1.0, seconds / s0)[:, None]
        t = fit_temperature(scaled, both_labels, both_judged)
        out.append((f"speech-scaled s0 {s0:g} s, T {t:.2f} (full + live), geometric", {"temperature": t, "full_seconds": s0}))
    for s0 in (1.5, 1.75, 2.0):
        for geometric in (False, True):
            out.append((f"speech-scaled s0 {s0:g} s, T {temperature:.2f}, {'geometric' if geometric else 'arithmetic'}",
                        {"temperature": temperature, "full_seconds": s0, "geometric": geometric}))
    return out


def main() -> None:
    from . import card
    from .config import DATA_DIR, REPO, WORK_DIR
    from .metadata import read, write

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--work", type=Path, default=WORK_DIR, help="feature cache root (read)")
    ap.add_argument("--folds", type=Path, default=WORK_DIR / "cv", help="fold{k}-{kind}.onnx")
    ap.add_argument("--out", type=Path, default=WORK_DIR / "live.npz", help="scores cache")
    ap.add_argument("--lead", type=float, default=2.0, help="seconds of silence before each clip (a new cache)")
    ap.add_argument("--models", type=Path, default=REPO / "models", help="the metadata the fold models belong to")
    ap.add_argument("--write", action="store_true", help="store the figures in the metadata and rewrite the card")
    args = ap.parse_args()
    models = list(args.folds.glob("fold*.onnx"))
    if (not args.out.exists() or args.out.stat().st_mtime < max((p.stat().st_mtime for p in models), default=0)
            or "judged" not in np.load(args.out)):
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, **score_folds(args.folds, args.data, args.work, args.lead))
    d = dict(np.load(args.out))
    for kind, name in (("int8", "emotion.json"), ("float", "emotion-float.json")):
        meta = read(args.models / name)
        temperature = meta["decision"]["temperature"]
        print(f"\n{kind}: {d['labels'].size} clips, {d['live_gated'].sum()} gated live windows")
        print(TABLE_HEAD)
        for option, params in options(d, kind, temperature):
            print(table_row(option, params, live_reliability(d, kind, **params)))
        chosen = full_confidence_seconds(d, kind, temperature)
        print(f"least worst ECE at full_confidence_seconds {chosen:g} (metadata: {meta['decision']['full_confidence_seconds']:g})")
        full_seconds = meta["decision"]["full_confidence_seconds"]
        live_temperature = fit_live_temperature(d, kind, temperature, full_seconds, meta["decision"])
        print(f"the smoothed view's temperature {live_temperature:.3f} "
              f"(metadata: {meta['decision'].get('live_temperature', 1.0):.3f})")
        if args.write:
            meta["decision"]["live_temperature"] = live_temperature
            meta["metrics"]["cv"]["calibration"]["live"] = {
                "stream": f"each out-of-fold clip after {args.lead:g} s of digital silence, then 3 s of it; a window "
                          "every hop, those the speech gate passes kept",
                "live_temperature": live_temperature,
                "before": live_reliability(d, kind, temperature, geometric=False),
                "after": live_reliability(d, kind, temperature, full_seconds, decision=meta["decision"])}
            write(args.models / name, meta)
    if args.write:
        card.rewrite(args.models)


if __name__ == "__main__":
    main()

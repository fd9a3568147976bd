"""The model card (models/README.md) and the confusion-matrix image, from the pipeline's measurements.

    python -m training.card [models]    rewrites the card from the metadata JSON files (e.g. after
                                        EXPERIMENTS.md changed), without retraining."""
import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .conditions import family  # noqa: E402
from .config import LABELS  # noqa: E402
from .metadata import read  # noqa: E402

EXPERIMENTS = Path(__file__).with_name("EXPERIMENTS.md")


def confusion_png(confusion: np.ndarray, path: Path) -> None:
    """Row-normalized confusion matrix (rows: true emotion), counts in the cells."""
    rates = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=100)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            ax.text(j, i, f"{confusion[i, j]}", ha="center", va="center", fontsize=8,
                    color="white" if rates[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(LABELS)), LABELS, rotation=45, ha="right")
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("int8 model, held-out RAVDESS actors (out-of-fold, all folds)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def reliability_png(calibration: dict, path: Path) -> None:
    """Accuracy against confidence per bin, before and after, for windows and clips, and for the live
    windows as shown (training.live) when measured."""
    panels = [(f"out-of-fold {unit}", calibration[unit]) for unit in ("windows", "clips")]
    panels += [(f"{unit} as the runtime shows them (clean)", {w: calibration[unit][w]["clean"] for w in ("before", "after")})
               for unit in ("files", "segments") if unit in calibration]
    if "live" in calibration:
        panels.append(("live windows as shown", {w: calibration["live"][w]["smoothed"]["all"] for w in ("before", "after")}))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.2), dpi=100)
    for ax, (title, unit) in zip(axes, panels):
        ax.plot([0, 1], [0, 1], color="#999", linewidth=1, label="perfect")
        for when, style in (("before", "o--"), ("after", "s-")):
            r = unit[when]
            pts = [(b["confidence"], b["accuracy"]) for b in r["bins"] if b["count"] >= 5]
            ax.plot(*zip(*pts), style, label=f"{when}: ECE {r['ece']:.3f}")
        ax.set_title(title)
        ax.set_xlabel("confidence (top probability)")
        ax.set_ylabel("accuracy")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle(f"int8 model, temperature {calibration['temperature']:.2f}")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _pm(r: dict, key: str) -> str:
    return f"{r[key + '_mean']:.3f} ± {r[key + '_std']:.3f}"


CONDITION_TEXT = {
    "clean": "the studio recording",
    "room-small": "small room, RT60 0.3 s, microphone 0.5-1 m away",
    "room-medium": "medium room, RT60 0.6 s, 1-2 m",
    "room-large": "large room, RT60 0.9 s, 2-3 m",
    "telephone": "8 kHz, 300-3400 Hz band-pass, GSM full-rate codec",
    "far-quiet": "room RT60 0.5 s at 2.5-3 m, 30 dB quieter, 16-bit",
    "cheap-mic": "200-5000 Hz band-pass, loudest 2 % of samples clipped",
    "colouring-dark": "a microphone's colouring: 10-14 dB darker from 300 Hz to 6 kHz, low cut 80-150 Hz, a bump",
    "colouring-bright": "10-14 dB brighter, low cut 150-400 Hz, a presence peak of 4-8 dB at 2-6 kHz",
    "colouring-random": "either tilt of 10-14 dB, low cut 80-400 Hz, 2-3 peaks or dips of 3-8 dB",
    "room-statistical-small": "a statistical room (per-band decay, air absorption), RT60 0.3-0.4 s, 0.5-1 m",
    "room-statistical-medium": "a statistical room, RT60 0.6-0.8 s, 1-2.5 m",
    "laptop": "a laptop: statistical room at 0.4-0.8 m, laptop microphone, fan noise at 15-25 dB SNR, gain control, 16-bit",
}

# Credits and licences of the corpora a model may be trained on (../shared/data/README.md).
CORPORA = {
    "ravdess": "**RAVDESS** speech: Livingstone SR, Russo FA (2018), The Ryerson Audio-Visual Database of Emotional "
               "Speech and Song (RAVDESS), PLoS ONE 13(5): e0196391, doi:10.1371/journal.pone.0196391, Zenodo record "
               "1188976. License **CC BY-NC-SA 4.0**.",
    "tess": "**TESS**: Dupuis K, Pichora-Fuller MK (2010), Toronto Emotional Speech Set (TESS), University of Toronto, "
            "doi:10.5683/SP2/E8H2MF. License **CC BY-NC-ND 4.0**.",
    "nemo": "**nEMO** (acted Polish; every other sentence of each speaker and emotion): Christop I (2024), nEMO: Dataset "
            "of Emotional Speech in Polish, LREC-COLING 2024, aclanthology.org/2024.lrec-main.1059. License "
            "**CC BY-NC-SA 4.0**.",
}


def _condition_text(name: str) -> str:
    if name.startswith("conversation-"):
        return f"{_condition_text(name.removeprefix('conversation-'))}, heard right after another utterance of the speaker"
    if name in CONDITION_TEXT:
        return CONDITION_TEXT[name]
    colour, snr = name.rsplit("-", 1)
    what = {"babble": "babble of 6 talkers among the fold's training speakers"}.get(colour, f"{colour} noise")
    return f"{what} at {snr[:-2]} dB SNR"


def conditions_table(cv: dict, replaced: dict, names: list) -> str:
    """Markdown table: UA per named condition, mean ± std over folds, int8 and float, beside the replaced
    model's."""
    old = (replaced or {}).get("cv", {})
    has_old = "clean" in old.get("int8", {}).get("conditions", {})
    head = "| condition | what | int8 | float |" + (" replaced int8 | replaced float | int8 change |" if has_old else "")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for n in names:
        new = [cv[k]["conditions"][n] for k in ("int8", "float")]
        row = f"| {n} | {_condition_text(n)} | " + " | ".join(f"{c['ua_mean']:.3f} ± {c['ua_std']:.3f}" for c in new) + " |"
        if has_old and n not in old["int8"]["conditions"]:
            row += " not scored | not scored | |"
        elif has_old:
            prev = [old[k]["conditions"][n] for k in ("int8", "float")]
            row += " " + " | ".join(f"{c['ua_mean']:.3f} ± {c['ua_std']:.3f}" for c in prev)
            row += f" | {100 * (new[0]['ua_mean'] - prev[0]['ua_mean']):+.1f} |"
        rows.append(row)
    return "\n".join(rows)


def family_tables(cv: dict, replaced: dict) -> str:
    """The conditions tables, one per family (conditions.FAMILIES), with the mean loss from clean of each."""
    names = list(cv["int8"].get("conditions", {}))
    out = []
    for fam in ("in-family", "out-of-family"):
        own = [n for n in names if n != "clean" and family(n) == fam]
        if own:
            clean = cv["int8"]["conditions"]["clean"]["ua_mean"]
            loss = np.mean([clean - cv["int8"]["conditions"][n]["ua_mean"] for n in own])
            out.append(f"**{fam}** ({len(own)} conditions; int8 {100 * loss:.1f} points below clean on average)\n\n"
                       + conditions_table(cv, replaced, ["clean", *own]))
    return "\n\n".join(out)


def corpora_section(cv: dict) -> str:
    """Each other validated corpus: its clean UA over its own emotions and its conditions (int8 and float)."""
    parts = []
    for corpus, r in cv["int8"].get("corpora", {}).items():
        float_r = cv["float"]["corpora"][corpus]
        labels = [LABELS[i] for i, row in enumerate(r["pooled"]["confusion"]) if sum(row)]
        parts.append(f"#### {corpus} ({len(labels)} emotions: {', '.join(labels)}; chance {1 / len(labels):.3f})\n\n"
                     + conditions_table({"int8": r, "float": float_r}, None, list(r["conditions"])))
    return "\n\n".join(parts) or "None."


def leave_corpus_out_table(lco: dict) -> str:
    """Each direction's scores; with a column for the speaker's reference voice when the models take one."""
    referenced = all("ua_with_reference" in r["int8"] for r in lco.values())
    extra = (" UA int8 with the speaker's reference |", "---|") if referenced else ("", "")
    rows = [f"| trained on -> scored on | emotions | UA float | UA int8 | accuracy int8 |{extra[0]}", f"|---|---|---|---|---|{extra[1]}"]
    for direction, r in lco.items():
        rows.append(f"| {direction.replace('->', ' -> ')} | {len(r['int8']['labels'])} (no {', '.join(sorted(set(LABELS) - set(r['int8']['labels'])))}) "
                    f"| {r['float']['ua']:.3f} | {r['int8']['ua']:.3f} | {r['int8']['accuracy']:.3f} |"
                    + (f" {r['int8']['ua_with_reference']:.3f} |" if referenced else ""))
    return "\n".join(rows)


def confidence_section(c: dict) -> str:
    if not c:
        return "Not calibrated."
    rows = "\n".join(f"| {unit} | {c[unit]['before']['ece']:.3f} | {c[unit]['after']['ece']:.3f} | "
                     f"{c[unit]['before']['mean_confidence']:.3f} | {c[unit]['after']['mean_confidence']:.3f} | "
                     f"{c[unit]['after']['accuracy']:.3f} |" for unit in ("windows", "clips"))
    unjudged = c["windows"]["after"].get("unjudged")
    return f"""The runtime divides the logits by a temperature of {c['temperature']:.3f} before the softmax, fitted by
likelihood on {c['fitted_on']} (clean), so a confidence means about the share of answers that are right on
speakers the model never saw. A clip's label says nothing of the labels its corpus lacks: the likelihood is
each window's among its corpus's labels, and an answer its corpus cannot judge (nEMO heard as calm) is left
out of every figure here{f" ({unjudged} windows)" if unjudged is not None else ""}. Expected calibration error
(10 bins of top probability), out of fold:

| unit | ECE before | ECE after | mean confidence before | after | accuracy after |
|---|---|---|---|---|---|
{rows}
{stretches_section(c)}
![reliability diagram](reliability.png)
{live_section(c.get("live"))}"""


def stretches_section(c: dict) -> str:
    """Files and timeline segments as the runtime computes them (training.runtime), before and after their own
    temperatures."""
    if "files" not in c:
        return ""
    def row(unit: str) -> str:
        r, m = c[unit], c[unit]["calibration"]
        return (f"| {unit} | {m['temperature']:.3f} | {m['seconds_exponent']:.3f} | {r['count']} | "
                f"{r['before']['clean']['ece']:.3f} | {r['after']['clean']['ece']:.3f} | "
                f"{r['after']['clean']['mean_confidence']:.3f} | {r['after']['clean']['accuracy']:.3f} | "
                f"{r['before']['degraded_mean_ece']:.3f} | {r['after']['degraded_mean_ece']:.3f} | "
                f"{r['after']['degraded_mean_sampling_ece']:.3f} | {r['after']['degraded_pooled_ece']:.3f} |")
    return f"""
A whole file's answer and each timeline segment's are the mean of their windows' probabilities (speech windows
only), which pulls the top probability down (and a short segment, there because its windows disagree with
their neighbours, is right less often than its mean says). The runtime shows softmax(ln mean x (s / 1 s)^e / T)
(the label unchanged), s the stretch's seconds within the range fitted on: files one temperature (e = 0),
segments also an exponent. Both are fitted, every condition pooled, so that the shown confidence matches
being right (the top-label Brier score, which a map that keeps the label lowers only by calibrating) on what
the runtime itself prints for out-of-fold clips (training.runtime): each fold's exported model, run by the
Rust core, analysing its held-out clips, clean and under each validation condition ({c['no_speech']} clips
without speech left out); a segment counts with its clip's label. ECE clean; of the degraded conditions, the mean of each one's ECE, beside the mean that
sampling alone gives that many answers if they were exactly calibrated (the floor such a figure cannot be
read below), and the ECE of them all pooled:

| unit | T | e | stretches | ECE clean before | after | mean confidence after | accuracy | ECE degraded, mean before | after | from sampling alone | pooled after |
|---|---|---|---|---|---|---|---|---|---|---|---|
{row("files")}
{row("segments")}
{by_corpus_rows(c)}"""


def by_corpus_rows(c: dict) -> str:
    """Each corpus's clean ECE (mean confidence / accuracy) after, and the answers no corpus could judge: a
    pooled ECE can hide corpora off in opposite directions."""
    if "clean_by_corpus" not in c["files"]["after"]:
        return ""
    corpora = sorted(c["files"]["after"]["clean_by_corpus"])
    cell = lambda r: f"{r['ece']:.3f} ({r['mean_confidence']:.2f} / {r['accuracy']:.2f}, {r['count']})"  # noqa: E731
    rows = "\n".join(f"| {unit} | " + " | ".join(cell(c[unit]["after"]["clean_by_corpus"][k]) for k in corpora)
                     + f" | {c[unit]['unjudged']} |" for unit in ("files", "segments"))
    return f"""
Clean, each corpus on its own after the maps: ECE (mean confidence / accuracy, answers). The last column counts
the answers, over every condition, with a label their corpus lacks (nEMO heard as calm or disgusted): nobody
asked those speakers whether they sound calm, so these are left out of the fits and of every figure above.

| unit | {" | ".join(corpora)} | not judged |
|---|{"---|" * len(corpora)}---|
{rows}
"""


def live_section(live: dict) -> str:
    """The live view's reliability (training.live): windows as streamed, raw and smoothed as shown."""
    if not live:
        return ""
    buckets = ("all", "< 1 s", "1-2 s", ">= 2 s")
    rows = "\n".join(
        f"| {name}, {unit} | " + " | ".join(
            f"{r[unit][b]['ece']:.3f} ({r[unit][b]['mean_confidence']:.2f} / {r[unit][b]['accuracy']:.2f})"
            for b in buckets) + f" | {r['clips']['ece']:.3f} | {r['clips']['ua']:.3f} |"
        for name, r in (("before", live["before"]), ("after", live["after"]))
        for unit in ("windows", "smoothed"))
    return f"""
Live, a window at an utterance's onset holds only part of it. Out-of-fold live windows ({live['stream']};
{live['after']['scored']} windows): ECE (mean confidence / accuracy) by seconds of speech in the window, for the
windows as scored and as shown after the smoothing; with the clips' ECE and UA under the same rule. Before:
the temperature alone, probabilities smoothed arithmetically. After: each window's logits scaled by
min(1, speech seconds / full_confidence_seconds) before the temperature, log-probabilities smoothed and
shown divided by the live temperature{f" ({live['live_temperature']:.3f})" if "live_temperature" in live else ""}, fitted on these windows' shown answers.

| | all | < 1 s of speech | 1-2 s | >= 2 s | clips ECE | clips UA |
|---|---|---|---|---|---|---|
{rows}
"""


def _sizes(files: dict) -> str:
    return " / ".join(f"{files[part] / 1024:.1f} KB" for part in ("whole", "trunk", "head"))


def affect_section(a: dict, lco: dict) -> str:
    """Energy (arousal) and pleasantness (valence), high against low, balanced accuracy: out of fold per corpus
    (files as the runtime shows them, training.runtime) and leave-corpus-out."""
    if not a:
        return "Not measured."
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    rows = [f"| {corpus}, out of fold | {fmt(a['clean'][corpus]['arousal'])} | {fmt(a['degraded_mean'][corpus]['arousal'])} | "
            f"{fmt(a['clean'][corpus]['valence'])} | {fmt(a['degraded_mean'][corpus]['valence'])} |" for corpus in a["clean"]]
    rows += [f"| {name}, leave-corpus-out | {fmt(r['int8']['affect']['arousal'])} | | {fmt(r['int8']['affect']['valence'])} | |"
             for name, r in lco.items() if "affect" in r["int8"]]
    m = a["maps"]
    return f"""Each label has a place on the circumplex of affect (metadata `affect.positions`: pleasure and arousal
ratings of the emotion words after Russell and Mehrabian, 1977; neutral in the middle of both). A stretch's
energy is σ(slope × (Σ p_label × place − centre)) of its probabilities, and so is its pleasantness, the slope and
centre fitted by likelihood on out-of-fold files as the runtime shows them (every condition pooled): so each is the
chance that the voice sounds energetic, or pleasant (arousal: slope {m['arousal']['slope']:.1f}, centre
{m['arousal']['centre']:.3f}; valence: {m['valence']['slope']:.1f}, {m['valence']['centre']:.3f}). Balanced accuracy of high
against low (above 0.5 against below; clips labelled neutral count for neither), int8:

| | energy, clean | energy, degraded (mean) | pleasantness, clean | pleasantness, degraded (mean) |
|---|---|---|---|---|
""" + "\n".join(rows) + "\n"


def reference_section(table: dict) -> str:
    """What the card says of the reference voice: the table, or that this model takes none."""
    if not table:
        return "This model takes no reference voice."
    return ("This model can judge a voice against the speaker's own everyday voice (`reference` in METADATA.md). "
            "Every fold's held-out speakers, all of a speaker's clips heard through one room, device and noise, "
            "each clip scored without and with the speaker's reference: the spectral shape of up to 3 of their "
            "neutral or calm clips (never the clip itself) under the same condition. UA over the emotions each "
            "corpus has, mean over the folds.\n\n" + reference_table(table))


def reference_table(table: dict) -> str:
    """pipeline.reference_scores as markdown, per corpus: each condition's UA without and with the speaker's
    reference voice (and the replaced model's, when scored), and the means over all conditions and each family."""
    lines = []
    for corpus, rows in table.items():
        kinds = [k for k in ("baseline", "without", "with") if k in next(iter(rows.values()))]
        heads = {"baseline": "replaced model", "without": "without reference", "with": "with reference"}
        lines += [f"**{corpus}**", "", f"| condition | family | {' | '.join(heads[k] for k in kinds)} | with - without |",
                  "|---|---|" + "---|" * (len(kinds) + 1)]
        means = {}
        for name, cell in rows.items():
            ua = {k: cell[k]["ua_mean"] for k in kinds}
            fam = "clean" if name == "clean" else family(name)
            for key in ("all", fam):
                means.setdefault(key, []).append(ua)
            lines.append(f"| {name} | {fam} | {' | '.join(f'{ua[k]:.3f}' for k in kinds)} | "
                         f"{100 * (ua['with'] - ua['without']):+.1f} |")
        for key, uas in means.items():
            m = {k: np.mean([u[k] for u in uas]) for k in kinds}
            lines.append(f"| mean, {key} | | {' | '.join(f'{m[k]:.3f}' for k in kinds)} | "
                         f"{100 * (m['with'] - m['without']):+.1f} |")
        lines.append("")
    return "\n".join(lines)


def _reference_share(share: float) -> str:
    """The recipe's windows given the speaker's reference voice (training.reference), if any."""
    return (f"; the speaker's reference voice (the shape of up to 3 of their other neutral or calm clips, through the "
            f"same chain) given with {100 * share:.0f}% of windows, none with the rest") if share else ""


def _kept(names: list | None) -> str:
    """What a resumed run's wall time leaves out."""
    return f", a run that resumed an earlier one: not counting the trainings it kept ({', '.join(names)})" if names else ""


def write_card(path: Path, cv: dict, common: dict) -> None:
    s, rec = common["shipped"], common["recipe"]
    speed_keeps = f" keeping the {' and '.join(rec['speed_keeps'])}" if rec.get("speed_keeps") else ""
    folds = "\n".join(
        f"| {i + 1} | {', '.join(map(str, f.get('val_voices', f.get('val_actors', []))))} | {f['ua']:.3f} | "
        f"{cv['int8']['folds'][i]['ua']:.3f} | {f['accuracy']:.3f} | {cv['int8']['folds'][i]['accuracy']:.3f} |"
        for i, f in enumerate(cv["float"]["folds"]))
    recall = "\n".join(f"| {lab} | {cv['float']['pooled']['recall'][lab]:.3f} | {cv['int8']['pooled']['recall'][lab]:.3f} |"
                       for lab in LABELS)
    experiments = EXPERIMENTS.read_text() if EXPERIMENTS.exists() else ""
    replaced = common.get("replaced")
    replaced_note = (f"; \"replaced\" is the model this one replaced ({replaced['name']}), scored by the same "
                     "conditions with its own recipe's cross-validation"
                     + (f" ({replaced['scored_later']})" if replaced.get("scored_later") else "") if replaced else "")
    smoke = "\n**SMOKE RUN: tiny subset, 1 epoch; these figures mean nothing.**\n" if common["smoke"] else ""
    primary = cv["int8"].get("corpus", "ravdess")
    data = "\n".join(f"- {CORPORA.get(k, f'**{k}**: credit and licence in ../shared/data/README.md.')} Here: {d['clips']} clips, "
                     f"{d['speakers']} speakers." for k, d in s["training_data"].items())
    speakers = sum(d["speakers"] for d in s["training_data"].values())
    path.write_text(f"""# Speech emotion model card
{smoke}
`emotion.onnx` (int8, QDQ) is the model the app ships, as the two parts the runtime drives:
`emotion-trunk.onnx` and `emotion-head.onnx`; `emotion-float*.onnx` are its float twins for benchmarks. Each
has a metadata JSON beside it (format in `METADATA.md`). All were written by `python -m training.pipeline`
(see `training/README.md`); every figure below comes from that run.

## What it does
Input: one window of 300 log-mel frames (64 bands, 10 ms hop, 3 s) and the 61 frames before it, each frame's
level moved by the mean level of the 3 s ending at it (so a constant gain cancels), normalized per band.
A causal convolutional trunk gives one step per 10 frames (each seeing its frames and the 61 before them);
the head pools the window's 30 steps (mean and max over time per channel and band) into 8 logits in the
order {", ".join(LABELS)}. The runtime runs the trunk only on each hop's new frames and keeps the window's
steps. It scales the logits down in a window with under full_confidence_seconds of speech, divides them by
the calibrated temperature (below), applies softmax, scores a window every 50 frames (0.5 s) when the speech
gate detects speech, and smooths over time.

| | int8 (shipped) | float |
|---|---|---|
| file size: whole window / trunk / head | {_sizes(s['file_bytes']['int8'])} | {_sizes(s['file_bytes']['float'])} |
| CV UA (mean ± std over folds) | {_pm(cv['int8'], 'ua')} | {_pm(cv['float'], 'ua')} |
| CV accuracy | {_pm(cv['int8'], 'accuracy')} | {_pm(cv['float'], 'accuracy')} |
| pooled out-of-fold UA / accuracy | {cv['int8']['pooled']['ua']:.3f} / {cv['int8']['pooled']['accuracy']:.3f} | {cv['float']['pooled']['ua']:.3f} / {cv['float']['pooled']['accuracy']:.3f} |

Parameters: {s['parameters']:,}. Multiply-adds per window: {s['macs_per_window'] / 1e6:.1f} M.
Float and int8 shipped models pick the same top class on {100 * s['float_int8_top1_agreement_train']:.1f}%
of the {primary} clips (training clips, a quantization check only). Wall time of the pipeline command
(features, cross-validation, final training, export, evaluation) on a 2-CPU machine:
{common['training_seconds'] / 60:.1f} min{_kept(common.get('kept_trainings'))}.

## Training data (non-commercial use only)
{data}

Because of these licenses the model may be used for non-commercial purposes only, with attribution.
Labels come from the corpus manifest. Audio is 16 kHz mono.

## Evaluation protocol
{common['protocol']}. Fold speakers are fixed (every 5th male and every 5th female speaker of each corpus), so
no speaker is in both training and validation of a fold. Normalization statistics are recomputed from each
fold's own training clips. Nothing was tuned on RAVDESS actors 21-24 or other corpora (they are not
available to the pipeline). The figures below are {primary}'s (chance UA 0.125); the other corpora's follow.

| fold | held-out speakers | UA float | UA int8 | accuracy float | accuracy int8 |
|---|---|---|---|---|---|
{folds}

Per-class recall, pooled over the out-of-fold predictions of every {primary} clip:

| emotion | recall float | recall int8 |
|---|---|---|
{recall}

![confusion matrix](confusion.png)

### Real conditions
Every fold's held-out clips are scored again under fixed acoustic conditions made from their clean audio, in
two families. In-family (`training/acoustics.py`: pyroomacoustics rooms, colorednoise, babble of other
speakers, soxr, scipy, pedalboard's GSM codec, audiomentations' clipping) are made by the simulators training
draws from, with seeds, rooms and babble it never draws. Out-of-family (`training/unseen.py`) are made by
methods training never uses: microphone colourings as FIR filters from smooth random curves, rooms from a
statistical model with per-band decay and air absorption, and a laptop chain (room, microphone, fan noise,
gain control). Neither is a measured room, microphone or noise: those are kept out of the pipeline as the
final judgement. UA over the 8 classes, mean ± std over the {len(cv['int8']['folds'])} folds{replaced_note}.

{family_tables(cv, common.get('replaced'))}

### Compared with the speaker's own voice
{reference_section(cv['int8'].get('reference'))}

### Other validated corpora
The same folds' held-out speakers of the other corpora, UA over the emotions each has (predictions
restricted to them), clean and under every condition.

{corpora_section(cv)}

### Confidence
{confidence_section(cv['int8'].get('calibration'))}

### Other corpora (leave-corpus-out)
A proxy for corpora and languages the pipeline does not have: the recipe trained on all the other corpora and
scored on every clip of the one left out, over the emotions it shares with them (predictions restricted to
them; UA over those classes). With the speaker's reference: each clip judged against the shape of its
speaker's other neutral or calm clips (clean), as a person of that corpus who taught the page their voice.

{leave_corpus_out_table(common['leave_corpus_out']) if common.get('leave_corpus_out') else 'Not run.'}

### Energy and pleasantness
{affect_section(cv['int8'].get('calibration', {}).get('affect'), common.get('leave_corpus_out') or {})}

## How the shipped model was chosen
Recipes are compared by their cross-validated UA only (see "What was tried"). The shipped model is one
model trained with the recipe below and its seed on every clip of the training data for the same number of
epochs as in cross-validation, so it has no held-out score of its own: the
cross-validation figures above (same recipe, same code) estimate it.

Recipe: {rec['epochs']} epochs, AdamW (lr {rec['lr']}, one-cycle, weight decay {rec['weight_decay']}), batch {rec['batch_size']};
each epoch {rec.get('epoch_clips')} clips drawn afresh, shared among the corpora in proportion to the square root of their
speakers; cross-entropy over each corpus's own emotions (a corpus never teaches against an emotion it lacks),
class-weighted: {rec['class_balance']}; windows ending at a random frame of the clip (from its first full window on;
a short clip whole), with their context and the 3 s before them for the level normalization, heard after silence
(the floor) or, for {100 * rec.get('conversation', 0.0):.0f}% of windows, right after another clip of the same speaker;
speed perturbation {rec['speeds']}{speed_keeps}; gain ±{rec['gain_db']} dB; white/pink noise at {rec['snr_db'][0]:.0f}-{rec['snr_db'][1]:.0f} dB SNR on
{100 * rec['noise_prob']:.0f}% of windows; SpecAugment {rec['freq_masks']}×{rec['freq_mask_width']} bands and
{rec['time_masks']}×{rec['time_mask_width']} frames; mixup α {rec['mixup_alpha']}; label smoothing {rec.get('label_smoothing', 0.0)}; conv channels {rec['channels']},
dropout {rec['dropout']}; seed {rec['seed']}; {rec['waveform_copies']} multi-condition copies of every clip (a room in
{100 * rec.get('copy_room_share', 0.5):.0f}% of them, noise in {100 * rec.get('copy_noise_share', 0.5):.0f}%, babble in {100 * rec.get('babble_share', 0.4):.0f}% of that noise,
rooms {'with frequency-dependent walls and air absorption' if rec.get('copy_room_bands') else 'with flat absorption'},
a random device equalizer in {100 * rec.get('copy_eq_share', 0.0):.0f}%, a device's gain control in
{100 * rec.get('copy_gain_control_share', 0.0):.0f}%){_reference_share(rec.get('reference_share', 0.0))}. Int8: onnxruntime static QDQ quantization, per-channel int8 weights, uint8
activations, Conv and Gemm, calibrated on {rec['calibration_windows']} real training windows.

{experiments}
## Known limits
- Acted, read speech: two fixed sentences (RAVDESS), one carrier phrase (TESS), short Polish sentences (nEMO);
  spontaneous emotion is subtler and is likely recognized worse.
- English and Polish only, adult voices only; no children. {speakers} speakers in all.
- Studio recordings: the conditions above are simulated from them (rooms, noise, phone line); real rooms,
  noises and devices differ. Accuracy on RAVDESS actors 21-24 and on other corpora was not measured here
  (leave-corpus-out above is the proxy).
- Eight acted categories do not cover mixed or subtle states; treat the output as a hint, never a diagnosis.
""")


def rewrite(out: Path) -> None:
    """The card and reliability diagram again from the metadata JSON files in out."""
    metrics = {kind: read(out / name)["metrics"] for kind, name in (("int8", "emotion.json"),
                                                                     ("float", "emotion-float.json"))}
    common = {k: v for k, v in metrics["int8"].items() if k not in ("model", "cv")}
    cv = {kind: m["cv"] for kind, m in metrics.items()}
    if "calibration" in cv["int8"]:
        reliability_png(cv["int8"]["calibration"], out / "reliability.png")
    write_card(out / "README.md", cv, common)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, nargs="?", default=Path(__file__).resolve().parent.parent / "models")
    rewrite(ap.parse_args().out)


if __name__ == "__main__":
    main()

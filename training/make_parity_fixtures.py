"""Parity fixtures for the Rust tests: librosa features of 6 real clips and onnxruntime's reference
outputs (graph optimizations off) of the whole-window int8 and float models on every window a stream of the
clip scores (one ending every hop, the clip preceded by the floor; a clip shorter than a hop gives one); and
the int8 model's file and segment probabilities as the calibration step reads them (training.runtime), which
the CLI must print; and the reference shape (training.reference.shape) of the six clips together, which the
runtime's Reference must equal (for a model that takes one, also the int8 logits of every window judged
against it); and the int8 model's output step (the scale its logits are whole multiples of), since two runtimes
may round a value near a half step to neighbouring steps.

    python -m training.make_parity_fixtures [--model models/emotion.onnx] [--data ../shared/data]
                                            [--out tests/fixtures/parity]
The float model and both metadata files are found beside the int8 model (NAME-float.onnx, NAME.json)."""
import argparse
import json
from pathlib import Path

import onnx
import voice_emotion
from onnx import numpy_helper

from .config import DATA_DIR, REPO, WINDOW
from .data import load_manifest
from .evaluate import session, window_logits
from .runtime import stretches
from .features import Normalizer, load_audio, log_mel
from .metadata import read, stats
from .reference import shape

# Different speakers, both corpora, several emotions; a clearly angry RAVDESS clip; two TESS clips
# shorter than a window.
CLIPS = (
    "ravdess/Actor_01/03-01-05-02-01-01-01.flac",
    "ravdess/Actor_02/03-01-03-02-02-01-02.flac",
    "ravdess/Actor_11/03-01-02-02-01-01-11.flac",
    "ravdess/Actor_20/03-01-04-02-01-01-20.flac",
    "tess/OAF_Fear/OAF_back_fear.flac",
    "tess/YAF_disgust/YAF_back_disgust.flac",
)


def shown(path: Path) -> str:
    """The path relative to the repo when inside it, else absolute."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def output_step(model: Path) -> float:
    """The scale of the DequantizeLinear that gives the model's output (its logits are whole multiples of
    it), or 0 for a model whose output is not dequantized."""
    graph = onnx.load(model).graph
    node = next(n for n in graph.node if graph.output[0].name in n.output)
    if node.op_type != "DequantizeLinear":
        return 0.0
    scale = next(i for i in graph.initializer if i.name == node.input[1])
    return float(numpy_helper.to_array(scale))


def make_fixtures(model: Path, data_dir: Path, out_dir: Path) -> Path:
    model = Path(model)
    float_model = model.with_name(model.stem + "-float.onnx")
    meta = read(model.with_suffix(".json"))
    normalizer = Normalizer(stats(meta))
    sessions = {"logits": session(model), "logits_float": session(float_model)}
    runtime = voice_emotion.Model.from_files(model.with_suffix(".json"))
    manifest = {c.path: c for c in load_manifest(data_dir)}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clips, mels = [], []
    for rel in CLIPS:
        clip = manifest[rel]
        samples = load_audio(Path(data_dir) / rel)
        mel = log_mel(samples)
        mels.append(mel)
        name = Path(rel).stem + ".f32"
        mel.astype("<f4").tofile(out_dir / name)
        hop, n = WINDOW["hop_frames"], mel.shape[1]
        ends = list(range(hop, n + 1, hop)) or [n]
        windows = normalizer.windows(mel, ends)
        entry = {"path": rel, "sha256": clip.sha256, "emotion": clip.emotion, "frames": int(n),
                 "mel_db": name, "window_ends": ends}
        entry.update({k: [[float(v) for v in window_logits(s, w)] for w in windows] for k, s in sessions.items()})
        file, segments = stretches(runtime, samples)
        entry["file"], entry["segments"] = file[0], [p for p, _ in segments]
        clips.append(entry)
    reference = shape(mels)
    if normalizer.voice_shape is not None:  # a model that takes a reference: its windows judged against this one
        for entry, mel in zip(clips, mels):
            windows = normalizer.windows(mel, entry["window_ends"], reference)
            entry["logits_reference"] = [[float(v) for v in window_logits(sessions["logits"], w)] for w in windows]
    doc = {"model": shown(model), "metadata": shown(model.with_suffix(".json")),
           "model_float": shown(float_model), "data": shown(data_dir), "clips": clips,
           "reference_shape": [float(v) for v in reference], "logits_step": output_step(model)}
    path = out_dir / "parity.json"
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=REPO / "models" / "emotion.onnx")
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "fixtures" / "parity")
    args = ap.parse_args()
    print(make_fixtures(args.model, args.data, args.out))


if __name__ == "__main__":
    main()

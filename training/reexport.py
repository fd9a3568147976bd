"""Re-export a trained model with the current export code, without training it again: for changes of
layout or graph form that keep the function (the head's steps made time-major, the trunk's state).

    python -m training.reexport [--model models/emotion.onnx] [--data ../shared/data]

The weights come from the float whole-window file (the exporter folded each BatchNorm into its convolution,
so each BatchNorm here is the identity plus the folded bias); the int8 file is quantized as the pipeline
quantizes it (the same calibration windows: its seed and features); both are cut into trunk and head. The
files are replaced beside the model (and the file sizes in the metadata and the card); the largest logit
change against the files replaced, on every window of the parity clips, is printed."""
import argparse
import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import card
from .config import DATA_DIR, RECIPE, REPO, WORK_DIR
from .data import load_manifest, select
from .evaluate import session, window_logits
from .export import cut_trunk_and_head
from .features import Normalizer, clip_features
from .metadata import read, stats, write
from .model import EmotionCNN
from .pipeline import export_model

PARTS = ("", "-trunk", "-head")


def trained_model(float_onnx: Path) -> EmotionCNN:
    """The torch model whose export is `float_onnx` (convolutions in order, then the classifier)."""
    graph = onnx.load(str(float_onnx)).graph
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    model = EmotionCNN.from_recipe(RECIPE).eval()
    convs = [m for m in model.trunk if isinstance(m, torch.nn.Conv2d)]
    norms = [m for m in model.trunk if isinstance(m, torch.nn.BatchNorm2d)]
    nodes = [n for n in graph.node if n.op_type == "Conv"]
    assert len(nodes) == len(convs) == len(norms), "the file's layers are not this model's"
    with torch.no_grad():
        for node, conv, norm in zip(nodes, convs, norms, strict=True):
            conv.weight.copy_(weights[node.input[1]])
            norm.eps = 0.0  # the exporter folds weight / sqrt(var + eps): exactly the weight given
            norm.weight.fill_(1.0), norm.running_var.fill_(1.0), norm.running_mean.zero_()
            norm.bias.copy_(weights[node.input[2]])
        (gemm,) = [n for n in graph.node if n.op_type == "Gemm"]
        linear = model.classifier[1]
        linear.weight.copy_(weights[gemm.input[1]]), linear.bias.copy_(weights[gemm.input[2]])
    return model


def parity_windows(meta: dict, fixtures: Path) -> np.ndarray:
    """Every whole-window input the parity fixtures score (the windows a stream of each clip gives)."""
    normalizer = Normalizer(stats(meta))
    index = json.loads((fixtures / "parity.json").read_text())
    return np.concatenate([
        normalizer.windows(np.fromfile(fixtures / c["mel_db"], "<f4").reshape(-1, c["frames"]), c["window_ends"])
        for c in index["clips"]]).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=REPO / "models" / "emotion.onnx")
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    args = ap.parse_args()
    int8_path = args.model.resolve()
    float_path = int8_path.with_name(f"{int8_path.stem}-float.onnx")
    meta = read(int8_path.with_suffix(".json"))
    recipe = RECIPE
    assert meta["metrics"]["recipe"]["name"] == recipe.name, "the model was trained with another recipe"
    clips = select(load_manifest(args.data), recipe)
    base = clip_features(clips, args.data, WORK_DIR, 1.0)
    windows = parity_windows(meta, REPO / "tests" / "fixtures" / "parity")
    with tempfile.TemporaryDirectory() as tmp:
        new = {"int8": Path(tmp) / int8_path.name, "float": Path(tmp) / float_path.name}
        export_model(trained_model(float_path), clips, base, stats(meta), recipe, recipe.seed + 100, new["float"],
                     new["int8"])
        for kind, old in (("int8", int8_path), ("float", float_path)):
            path = new[kind]
            cut_trunk_and_head(path, path.with_name(f"{path.stem}-trunk.onnx"), path.with_name(f"{path.stem}-head.onnx"))
            before, after = session(old), session(path)
            change = max(np.abs(window_logits(before, w) - window_logits(after, w)).max() for w in windows)
            print(f"{kind}: largest logit change on {len(windows)} parity windows {change:.6f}")
            for part in PARTS:
                shutil.copy(path.with_name(f"{path.stem}{part}.onnx"), old.with_name(f"{old.stem}{part}.onnx"))
    sizes = {kind: {name: p.with_name(f"{p.stem}{part}.onnx").stat().st_size
                    for name, part in zip(("whole", "trunk", "head"), PARTS)}
             for kind, p in (("int8", int8_path), ("float", float_path))}
    for path in (int8_path.with_suffix(".json"), float_path.with_suffix(".json")):
        doc = read(path)
        doc["metrics"]["shipped"]["file_bytes"] = sizes
        write(path, doc)
    readme = int8_path.with_name("README.md")
    row = f"| file size: whole window / trunk / head | {card._sizes(sizes['int8'])} | {card._sizes(sizes['float'])} |"
    text = re.sub(r"^\| file size: whole window / trunk / head \|.*$", row, readme.read_text(), flags=re.M)
    made = "every figure below comes from that run."
    again = (f"{made} The ONNX files were then made again from the same weights by the current export code "
             "(`python -m training.reexport`: the same quantization, the same logits).")
    readme.write_text(text if again in text else text.replace(made, again))


if __name__ == "__main__":
    main()

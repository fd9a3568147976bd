"""The metadata JSON beside each ONNX file: the runtime's single source of truth (models/METADATA.md)."""
import json
from pathlib import Path

import numpy as np

from .config import (DECISION, FORMAT, FRONTEND, INPUT_SHAPE, LABELS, LEVEL_FRAMES, REFERENCE, SAMPLE_RATE,
                     SPEECH_GATE, STREAM, WINDOW)
from . import affect
from .calibration import IDENTITY
from .features import Stats
from .model import window_steps


def decision(temperature: float, file: dict = IDENTITY, segment: dict = IDENTITY) -> dict:
    """How the runtime turns logits into what it shows: the fitted window temperature and file and segment
    calibrations (training.calibration; the identity before they are fitted) and the display constants."""
    return {"temperature": float(temperature), **DECISION, "file": dict(file), "segment": dict(segment)}


def normalization(stats: Stats) -> dict:
    """The metadata's `normalization`. Only the "level" kind is in the runtime's contract (models/METADATA.md),
    so another kind is written with its name, which the runtime refuses rather than misreads."""
    out = {"mean": [float(v) for v in stats.mean], "std": [float(v) for v in stats.std], "level_frames": LEVEL_FRAMES}
    if stats.kind == "level":
        return {**out, "reference_db": float(stats.reference_db)}
    return {**out, "kind": stats.kind, "reference_db": [float(v) for v in stats.reference_db]}


def metadata(stats: Stats, decision: dict, affect_maps: dict, metrics: dict, stem: str) -> dict:
    """The metadata of the model whose files are STEM.onnx (whole window), STEM-trunk.onnx, STEM-head.onnx; a
    model trained to take a reference voice (Stats.voice_shape) also gets its `reference`."""
    reference = {} if stats.voice_shape is None else {
        "reference": {"voice_shape": [float(v) for v in stats.voice_shape], **REFERENCE}}
    return {
        "format": FORMAT,
        "labels": list(LABELS),
        "sample_rate": SAMPLE_RATE,
        "frontend": dict(FRONTEND),
        "normalization": normalization(stats),
        "window": dict(WINDOW),
        "input": {"shape": list(INPUT_SHAPE)},
        "stream": {**STREAM, "window_steps": window_steps(), "trunk": f"{stem}-trunk.onnx",
                   "head": f"{stem}-head.onnx", "whole": f"{stem}.onnx"},
        "speech_gate": dict(SPEECH_GATE),
        "decision": decision,
        "affect": affect.metadata(affect_maps),
        **reference,
        "metrics": metrics,
    }


def stats(meta: dict) -> Stats:
    """The normalization a model's metadata describes."""
    n, reference = meta["normalization"], meta.get("reference")
    return Stats(np.array(n["mean"], np.float32), np.array(n["std"], np.float32),
                 np.array(n["reference_db"], np.float32) if n.get("kind") == "bands" else n["reference_db"],
                 n.get("kind", "level"), reference and np.array(reference["voice_shape"], np.float32))


def write(path: Path, meta: dict) -> None:
    Path(path).write_text(json.dumps(meta, indent=2) + "\n")


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text())

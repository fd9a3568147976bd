"""The metadata JSON beside each ONNX file: the runtime's single source of truth (models/METADATA.md)."""
import json
from pathlib import Path

import numpy as np

from .config import DECISION, FORMAT, FRONTEND, INPUT_SHAPE, LABELS, SAMPLE_RATE, SPEECH_GATE, WINDOW


def decision(temperature: float) -> dict:
    """How the runtime turns logits into what it shows: the fitted temperature and the display constants."""
    return {"temperature": float(temperature), **DECISION}


def metadata(mean: np.ndarray, std: np.ndarray, temperature: float, metrics: dict) -> dict:
    return {
        "format": FORMAT,
        "labels": list(LABELS),
        "sample_rate": SAMPLE_RATE,
        "frontend": dict(FRONTEND),
        "normalization": {"mean": [float(v) for v in mean], "std": [float(v) for v in std]},
        "window": dict(WINDOW),
        "input": {"shape": list(INPUT_SHAPE)},
        "speech_gate": dict(SPEECH_GATE),
        "decision": decision(temperature),
        "metrics": metrics,
    }


def write(path: Path, meta: dict) -> None:
    Path(path).write_text(json.dumps(meta, indent=2) + "\n")


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text())

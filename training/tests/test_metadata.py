"""The shipped metadata follows the contract and copies the config's speech gate verbatim."""
import numpy as np
import pytest

from training.config import (DECISION, FORMAT, FRONTEND, INPUT_SHAPE, LABELS, LEVEL_FRAMES, SAMPLE_RATE, SPEECH_GATE,
                             STREAM, WINDOW)
from training.metadata import read

from .conftest import REPO


@pytest.mark.parametrize("name", ["emotion.json", "emotion-float.json"])
def test_shipped_metadata(name):
    meta = read(REPO / "models" / name)
    assert meta["speech_gate"] == SPEECH_GATE
    fitted = {"temperature": "temperature", "file": "files", "segment": "segments"}
    shown = {k: v for k, v in meta["decision"].items() if k not in fitted}
    assert shown == {**DECISION, "live_temperature": shown["live_temperature"]}
    calibration = meta["metrics"]["cv"]["calibration"]
    assert meta["decision"]["temperature"] == calibration["temperature"] > 0
    assert meta["decision"]["live_temperature"] == calibration["live"]["live_temperature"] > 0  # training.live
    for key, unit in list(fitted.items())[1:]:  # fitted on what the runtime computes (training.runtime)
        assert meta["decision"][key] == calibration[unit]["calibration"]
        assert meta["decision"][key]["temperature"] > 0
    assert meta["format"] == FORMAT and meta["labels"] == list(LABELS)
    assert meta["sample_rate"] == SAMPLE_RATE and meta["frontend"] == FRONTEND
    assert meta["window"] == WINDOW and meta["input"]["shape"] == list(INPUT_SHAPE)
    for key in ("mean", "std"):
        values = np.array(meta["normalization"][key])
        assert values.shape == (64,) and np.all(np.isfinite(values))
    assert np.all(np.array(meta["normalization"]["std"]) > 0)
    assert meta["normalization"]["level_frames"] == LEVEL_FRAMES
    assert np.isfinite(meta["normalization"]["reference_db"])  # the training clips' mean level (features.band_stats)
    stream = meta["stream"]
    assert {k: stream[k] for k in STREAM} == STREAM and stream["window_steps"] * stream["step_frames"] == WINDOW["frames"]
    stem = name.removesuffix(".json")
    assert (stream["trunk"], stream["head"], stream["whole"]) == (f"{stem}-trunk.onnx", f"{stem}-head.onnx", f"{stem}.onnx")
    assert all((REPO / "models" / stream[part]).stat().st_size > 0 for part in ("trunk", "head", "whole"))

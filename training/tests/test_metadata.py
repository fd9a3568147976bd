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


def test_a_resumed_run_keeps_the_model_its_recipe_replaced(tmp_path):
    import dataclasses

    from training.config import RECIPE
    from training.metadata import write
    from training.pipeline import replaced_model

    older = {"name": "v1", "cv": {"int8": {"ua_mean": 0.5}}}
    cv = {"ua_mean": 0.6, "ua_std": 0.1, "accuracy_mean": 0.6, "accuracy_std": 0.1, "conditions": {}}
    for name in ("emotion.json", "emotion-float.json"):
        write(tmp_path / name, {"metrics": {"cv": cv, "recipe": {"name": "v2"}, "replaced": older}})
    # The same recipe again (a run that resumed): still compared with what v2 replaced, not with itself.
    assert replaced_model(tmp_path, dataclasses.replace(RECIPE, name="v2")) == older
    # A new recipe replaces v2.
    assert replaced_model(tmp_path, dataclasses.replace(RECIPE, name="v3")) == {"name": "v2", "cv": {"int8": cv, "float": cv}}

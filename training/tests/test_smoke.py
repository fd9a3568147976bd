"""Smoke run of the whole pipeline into a temp dir: every file is written and int8 agrees with float."""
import json
import subprocess
import sys

import numpy as np
import pytest

from training.data import load_manifest
from training.evaluate import clip_probabilities, session
from training.features import clip_features
from training.metadata import read, stats

from .conftest import REPO

FILES = ("emotion.onnx", "emotion-trunk.onnx", "emotion-head.onnx", "emotion.json", "emotion-float.onnx",
         "emotion-float-trunk.onnx", "emotion-float-head.onnx", "emotion-float.json", "confusion.png", "README.md",
         "parity/parity.json")


@pytest.mark.smoke
def test_smoke_pipeline(smoke_out, data_dir, monkeypatch):
    out = smoke_out
    subprocess.run([sys.executable, "-m", "training.pipeline", "--smoke", "--data", str(data_dir),
                    "--out", str(out)], cwd=REPO, check=True, timeout=900)
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    parity = json.loads((out / "parity" / "parity.json").read_text())
    assert len(parity["clips"]) == 6
    for clip in parity["clips"]:
        mel = np.fromfile(out / "parity" / clip["mel_db"], dtype="<f4")
        assert mel.size == 64 * clip["frames"]
        assert len(clip["logits"]) == len(clip["logits_float"]) == len(clip["window_ends"]) >= 1
        assert all(len(w) == 8 for w in clip["logits"])
        assert len(clip["file"]) == 8 and all(len(p) == 8 for p in clip["segments"])  # what the CLI must print

    meta = read(out / "emotion.json")
    calibration = meta["metrics"]["cv"]["calibration"]  # files and segments fitted on the runtime's output
    assert meta["decision"]["file"] == calibration["files"]["calibration"]
    assert meta["decision"]["segment"] == calibration["segments"]["calibration"]
    assert calibration["files"]["count"] > 0 and calibration["segments"]["count"] >= calibration["files"]["count"]
    for direction in meta["metrics"]["leave_corpus_out"].values():  # the recipe takes a reference: both ways
        assert 0 < direction["int8"]["ua"] <= 1 and 0 < direction["int8"]["ua_with_reference"] <= 1
    clips = load_manifest(data_dir)[::100]
    mels = clip_features(clips, data_dir, REPO / "training" / "work")
    top = [clip_probabilities(session(out / name), mels, stats(meta)).argmax(1)
           for name in ("emotion.onnx", "emotion-float.onnx")]
    assert np.mean(top[0] == top[1]) >= 0.8

    # Its trainings resumed: every one is kept, and the features only trainings read (hours of rendering on a
    # new machine) are not rendered.
    from training import pipeline
    from training.config import SMOKE, WORK_DIR
    from training.data import select
    clips = select(load_manifest(data_dir), SMOKE)
    work = WORK_DIR / "smoke"  # the pipeline's --smoke
    jobs = [*pipeline.fold_trainings(clips, SMOKE, work), *pipeline.corpus_trainings(clips, SMOKE, work)]

    def rendering(*args):
        raise AssertionError("rendered the training features of finished trainings")
    monkeypatch.setattr(pipeline, "feature_sets", rendering)
    trained, _ = pipeline.train_all(jobs, clips, clip_features(clips, data_dir, WORK_DIR), data_dir, SMOKE, 1, 1,
                                    log=lambda m: None)
    assert set(trained) == {j.name for j in jobs}

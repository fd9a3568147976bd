"""File and segment calibration: the fit finds a known map, and the runtime applies the map the fit assumed."""
import json
import shutil

import numpy as np
import voice_emotion

from training.calibration import IDENTITY, calibrate_stretches, fit_stretch, fit_temperature, reliability, sampling_ece, shown
from training.config import LABELS
from training.data import corpus_masks
from training.features import load_audio
from training.runtime import stretches

from .conftest import REPO


def test_fit_stretch_recovers_a_known_map():
    rng = np.random.default_rng(0)
    n, labels = 4000, 8
    seconds = rng.uniform(0.5, 4.0, n)
    logits = rng.normal(0, 2.5, (n, labels))
    truth = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(labels, p=p) for p in truth])
    # What a runtime would show if it averaged too softly, more so the longer the stretch.
    made = {"temperature": 2.0, "seconds_exponent": -0.5, "shortest_seconds": 0.5, "longest_seconds": 4.0}
    softened = shown(truth, seconds, made)
    fitted = fit_stretch(softened, y, seconds, by_length=True)
    assert abs(fitted["temperature"] - 0.5) < 0.08 and abs(fitted["seconds_exponent"] - 0.5) < 0.1, fitted
    assert fitted["shortest_seconds"] == seconds.min() and fitted["longest_seconds"] == seconds.max()
    alone = fit_stretch(softened, y, seconds, by_length=False)
    assert alone["seconds_exponent"] == 0.0 and 0.3 < alone["temperature"] < 1.0


def test_sampling_ece_is_the_floor_of_few_answers():
    p = np.random.default_rng(1).dirichlet(np.full(8, 0.7), size=200)
    few, many = sampling_ece(p[:100]), sampling_ece(np.repeat(p, 20, axis=0))
    assert few > 2 * many > 0


def test_an_answer_its_corpus_cannot_judge_is_left_out_not_counted_wrong():
    """A corpus without calm: its files answered "calm" are neither right nor wrong. Counted wrong, they would
    drag the map of every corpus down; left out, the files of both corpora, calibrated already, stay so."""
    rng = np.random.default_rng(2)
    labels_of = {"full": tuple(range(len(LABELS))), "no-calm": tuple(i for i, k in enumerate(LABELS) if k != "calm")}
    calm = LABELS.index("calm")

    def stretches_of(corpus: str, n: int) -> tuple:
        truth = rng.dirichlet(np.full(len(LABELS), 0.4), size=n)
        y = np.array([rng.choice(len(LABELS), p=p) for p in truth])
        if corpus == "no-calm":  # its speakers were never asked about calm: a calm answer is just "calm"
            y = np.where(y == calm, LABELS.index("neutral"), y)
        return truth, y, rng.uniform(1.0, 4.0, n), np.array([corpus] * n)
    results = {}
    for name in ("clean", "noisy"):
        parts = [stretches_of(k, 1500) for k in labels_of]
        results[name] = {u: tuple(np.concatenate([p[i] for p in parts]) for i in range(4)) for u in ("files", "segments")}
    out = calibrate_stretches(results, labels_of)["files"]
    assert abs(out["calibration"]["temperature"] - 1.0) < 0.1, out["calibration"]
    p, y, _, corpora = results["clean"]["files"]
    no_calm = corpora == "no-calm"
    assert out["unjudged"] == sum(int(np.sum((r["files"][0].argmax(1) == calm) & (r["files"][3] == "no-calm")))
                                  for r in results.values()) > 0
    judged = corpus_masks(corpora, labels_of)
    assert out["after"]["clean_by_corpus"]["no-calm"]["count"] == reliability(p[no_calm], y[no_calm], judged[no_calm])["count"]
    assert reliability(p[no_calm], y[no_calm])["ece"] > 2 * out["before"]["clean_by_corpus"]["no-calm"]["ece"]


def test_the_window_temperature_is_fitted_over_the_labels_each_corpus_has():
    rng = np.random.default_rng(4)
    logits = rng.normal(0, 2, (3000, len(LABELS)))
    y = np.array([rng.choice(len(LABELS), p=np.exp(z) / np.exp(z).sum()) for z in logits])
    judged = np.ones_like(logits, bool)
    judged[:1500, LABELS.index("calm")] = False  # a corpus without calm: its calm mass says nothing
    y[:1500] = np.where(y[:1500] == LABELS.index("calm"), LABELS.index("neutral"), y[:1500])
    unmasked, masked = fit_temperature(logits, y), fit_temperature(logits, y, judged)
    assert masked < unmasked, "the calm mass of a corpus without calm no longer reads as a wrong answer"


def test_the_runtime_shows_what_the_fit_assumes(tmp_path, data_dir):
    """The Rust core's file and segment probabilities under a calibration equal training.calibration.shown of
    its identity output: the fit optimizes the map the runtime applies."""
    for name in ("emotion.json", "emotion-trunk.onnx", "emotion-head.onnx", "emotion.onnx"):
        shutil.copy(REPO / "models" / name, tmp_path / name)
    meta = json.loads((tmp_path / "emotion.json").read_text())
    models = {}
    calibrations = {"identity": (IDENTITY, IDENTITY),
                    "fitted": ({"temperature": 0.7, "seconds_exponent": 0.0, "shortest_seconds": 1.0, "longest_seconds": 3.0},
                               {"temperature": 1.3, "seconds_exponent": 0.4, "shortest_seconds": 0.4, "longest_seconds": 2.0})}
    for key, (file, segment) in calibrations.items():
        meta["decision"].update(file=file, segment=segment)
        (tmp_path / f"{key}.json").write_text(json.dumps(meta))
        models[key] = voice_emotion.Model.from_files(tmp_path / f"{key}.json")
    samples = load_audio(data_dir / "ravdess/Actor_01/03-01-05-02-01-01-01.flac")
    (raw_file, raw_seconds), raw_segments = stretches(models["identity"], samples)
    (file, _), segments = stretches(models["fitted"], samples)
    file_map, segment_map = calibrations["fitted"]
    assert np.allclose(file, shown(np.array([raw_file]), np.array([raw_seconds]), file_map)[0], atol=1e-5)
    assert len(segments) == len(raw_segments) >= 1
    expected = shown(np.array([p for p, _ in raw_segments]), np.array([s for _, s in raw_segments]), segment_map)
    assert np.allclose([p for p, _ in segments], expected, atol=1e-5)
    assert not np.allclose(file, raw_file, atol=1e-3)  # the map did change something

"""The Python package (`pip install ./python`): the same results as the CLI on real files, NumPy
input, the streaming recognizer, Python exceptions for bad input, the GIL released, abi3."""

import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile

import voice_emotion
from voice_emotion import Model, Recognizer

from conftest import REPO, assert_same


@pytest.fixture(scope="module")
def model() -> Model:
    return Model()


def test_classify_equals_the_cli_line(model, audio_files, cli_lines):
    for file, want in zip(audio_files, cli_lines(audio_files, timeline=True), strict=True):
        assert want["file"] == file
        assert_same(model.classify(file, timeline=True), want, file)
        without = {k: v for k, v in want.items() if k != "timeline"}
        assert_same(model.classify(Path(file)), without, file)


def test_classify_json_is_the_line_classify_parses(model, audio_files):
    import json

    assert json.loads(model.classify_json(audio_files[0], True)) == model.classify(audio_files[0], True)


def test_a_model_from_files_is_the_shipped_one(model, audio_files):
    loaded = Model.from_files(str(REPO / "models" / "emotion.json"))
    assert loaded.labels == model.labels and loaded.unsure_below == model.unsure_below
    assert loaded.classify(audio_files[0]) == model.classify(audio_files[0])
    assert 0 < model.unsure_below < 1 and len(model.labels) >= 2
    assert repr(model.unsure_below) == "0.4"  # as the metadata JSON says, not the f32 widened


def analysis_as_report(analysis: dict, labels: list) -> dict:
    """`Model.analyze`'s result laid out as a classify line (probabilities by label), for comparing."""

    def scores(e):
        if e is None:
            return {"label": None, "confidence": None, "arousal": None, "valence": None, "probabilities": None}
        return {"label": e["label"], "confidence": e["confidence"], "arousal": e["arousal"], "valence": e["valence"],
                "probabilities": dict(zip(labels, e["probabilities"]))}

    return {
        "duration": analysis["duration"],
        "speech_seconds": analysis["speech_seconds"],
        **scores(analysis["overall"]),
        "timeline": [{"start": s["start"], "end": s["end"], **scores(s["emotion"])} for s in analysis["timeline"]],
    }


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_analyze_on_the_decoded_samples_equals_classify(model, audio_files, dtype):
    for file in audio_files[:3]:
        samples, rate = soundfile.read(file, dtype=dtype)
        assert samples.ndim == 1
        got = analysis_as_report(model.analyze(samples, rate), model.labels)
        want = model.classify(file, timeline=True)
        del want["file"]
        assert_same(got, want, file)


def test_analyze_takes_a_strided_view(model, audio_files):
    samples, rate = soundfile.read(audio_files[0], dtype="float32")
    twice = np.repeat(samples, 2)
    assert model.analyze(twice[::2], rate) == model.analyze(samples, rate)


def test_the_recognizer_predicts_every_half_second(model, audio_files):
    samples, rate = soundfile.read(audio_files[0], dtype="float32")
    recognizer = Recognizer(model, rate)
    assert recognizer.labels == model.labels

    def stream(chunk):
        return [p for i in range(0, len(samples), chunk) for p in recognizer.push(samples[i : i + chunk])]

    predictions = stream(1000)
    times = [p["time"] for p in predictions]
    assert len(times) >= 3
    assert np.allclose(np.diff(times), 0.5)
    assert times[-1] <= len(samples) / rate + 1e-9
    spoken = [p["emotion"] for p in predictions if p["emotion"] is not None]
    assert spoken and all(e["label"] in model.labels and len(e["probabilities"]) == len(model.labels) for e in spoken)
    # A new stream after reset(), chunked differently, gives the same predictions.
    recognizer.reset()
    assert_same(stream(4801), predictions)


def test_no_speech_gives_null_scores(model, tmp_path):
    silence = np.zeros(3 * 16000, dtype=np.float32)
    analysis = model.analyze(silence, 16000)
    assert analysis["overall"] is None and analysis["speech_seconds"] == 0
    path = tmp_path / "silence.wav"
    soundfile.write(path, silence, 16000)
    line = model.classify(path)
    assert (line["label"], line["confidence"], line["probabilities"]) == (None, None, None)
    assert line["duration"] == pytest.approx(3.0)


def test_a_truncated_file_is_scored_as_far_as_it_goes_with_a_warning(model, audio_files, tmp_path):
    samples, rate = soundfile.read(audio_files[0], dtype="int16")
    whole = tmp_path / "whole.wav"
    soundfile.write(whole, samples, rate, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.warns(UserWarning, match=r"cut\.wav: the file is truncated: the result covers the first"):
        line = model.classify(cut)
    assert line["duration"] == pytest.approx(len(samples) / rate / 2, abs=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.classify(whole)


def test_bad_input_raises_clear_python_exceptions(model, tmp_path):
    with pytest.raises(FileNotFoundError, match="No such file") as missing:
        model.classify(tmp_path / "missing.wav")
    assert missing.value.filename == str(tmp_path / "missing.wav")
    text = tmp_path / "notes.wav"
    text.write_text("these are not samples\n" * 100)
    with pytest.raises(ValueError, match="not a recognized audio file"):
        model.classify(text)
    noise = np.random.default_rng(1).uniform(-0.1, 0.1, 16000).astype(np.float32)
    noise[500] = np.nan
    with pytest.raises(ValueError, match="sample 500 is not a finite number"):
        model.analyze(noise, 16000)
    with pytest.raises(ValueError, match="unsupported sample rate 1000 Hz"):
        model.analyze(np.zeros(1000, dtype=np.float32), 1000)
    with pytest.raises(ValueError, match="unsupported sample rate 1000 Hz"):
        Recognizer(model, 1000)
    with pytest.raises(ValueError, match="1-D float32 or float64 NumPy array.*2-D array"):
        model.analyze(np.zeros((2, 1000), dtype=np.float32), 16000)
    with pytest.raises(ValueError, match="not list"):
        model.analyze([0.0] * 1000, 16000)
    with pytest.raises(OSError, match="missing.json"):
        Model.from_files(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="model metadata"):
        Model.from_files(text)


def test_analyze_releases_the_gil(model, audio_files):
    """While one thread analyses a long clip, this thread keeps running: with the GIL held it would
    stall for the whole analysis."""
    speech, rate = soundfile.read(audio_files[0], dtype="float32")
    long = np.tile(speech, 300)  # about 18 minutes: long enough to time on a fast machine
    started = time.perf_counter()
    model.analyze(long, rate)
    alone = time.perf_counter() - started

    inside = threading.Event()
    worker = threading.Thread(target=lambda: (inside.set(), model.analyze(long, rate)))
    worker.start()
    inside.wait()
    beats, last, longest = 0, time.perf_counter(), 0.0
    while worker.is_alive():
        now = time.perf_counter()
        longest, last, beats = max(longest, now - last), now, beats + 1
    worker.join()
    assert alone > 0.3, f"the analysis took {alone:.3f} s: too short to tell"
    assert longest < alone / 2, f"this thread stalled {longest:.3f} s of a {alone:.3f} s analysis"
    assert beats > 1000


def test_the_extension_is_abi3():
    assert Path(voice_emotion._core.__file__).name.endswith(".abi3.so")


@pytest.fixture(scope="module")
def plain_model(tmp_path_factory) -> Path:
    """The shipped model as one made before references were (its metadata without `reference`):
    its metadata path."""
    import json
    import shutil

    meta = json.loads((REPO / "models" / "emotion.json").read_text())
    del meta["reference"]
    out = tmp_path_factory.mktemp("plain-model")
    for part in ("trunk", "head"):
        shutil.copy(REPO / "models" / meta["stream"][part], out / meta["stream"][part])
    (out / "plain-model.json").write_text(json.dumps(meta))
    return out / "plain-model.json"


def test_a_reference_judges_as_the_cli_does(model, audio_files, tmp_path):
    from conftest import DATA, run_cli
    import json

    neutral = [str(DATA / "ravdess" / "Actor_05" / f"03-01-01-01-0{n}-01-05.flac") for n in (1, 2)]
    voice = model.reference(neutral)
    assert len(voice.shape) == 64 and repr(voice) == "Reference(64 bands)"
    done = run_cli("--reference", neutral[0], "--reference", neutral[1],
                   "classify", "--format", "jsonl", "--timeline", audio_files[0])
    assert done.returncode == 0, done.stderr
    want = json.loads(done.stdout)
    assert_same(model.classify(audio_files[0], timeline=True, reference=voice), want, audio_files[0])
    assert model.classify(audio_files[0], reference=voice) != model.classify(audio_files[0])

    # A voice from samples is the one from a file of them; analyze and the recognizer take it too.
    joined = np.concatenate([soundfile.read(f, dtype="float32")[0] for f in neutral])
    soundfile.write(tmp_path / "joined.wav", joined, 16000, subtype="FLOAT")
    assert model.reference(joined, 16000).shape == model.reference(tmp_path / "joined.wav").shape
    clip, rate = soundfile.read(audio_files[0], dtype="float32")
    analysed = model.analyze(clip, rate, reference=voice)
    assert analysed["overall"]["probabilities"] == pytest.approx(
        [want["probabilities"][label] for label in model.labels], abs=1e-6)
    assert Recognizer(model, rate, reference=voice).push(clip) != Recognizer(model, rate).push(clip)

    # Heard through a telephone line (8 kHz) instead: a warning, and judged without the voice.
    from scipy.signal import resample_poly
    soundfile.write(tmp_path / "phone.wav", resample_poly(clip, 8000, rate), 8000)
    with pytest.warns(UserWarning, match="another microphone or room than this recording"):
        phoned = model.classify(tmp_path / "phone.wav", reference=voice)
    assert phoned == model.classify(tmp_path / "phone.wav")
    # Its samples too: the result says why, and is the one without the voice.
    phone = resample_poly(clip, 8000, rate).astype(np.float32)
    with pytest.warns(UserWarning, match="another microphone or room than this recording"):
        phoned = model.analyze(phone, 8000, reference=voice)
    assert phoned.pop("reference_mismatch").endswith("judged without it")
    assert phoned == model.analyze(phone, 8000)


def test_a_recording_that_cannot_be_a_reference_says_why(model, plain_model, audio_files, tmp_path):
    with pytest.raises(ValueError, match="lasts 3.6 s: at least 5 s are needed"):
        model.reference(audio_files[0])
    with pytest.raises(ValueError, match="is silent"):
        model.reference(np.zeros(8 * 16000, np.float32), 16000)
    with pytest.raises(ValueError, match="clipped"):
        model.reference(np.sign(np.sin(np.arange(8 * 16000) / 5.0)).astype(np.float32), 16000)
    with pytest.raises(FileNotFoundError):
        model.reference(str(tmp_path / "missing.wav"))
    with pytest.raises(ValueError, match="a path, a list of paths, or samples"):
        model.reference(3)
    with pytest.raises(ValueError, match="cannot compare a voice with a reference"):
        Model.from_files(plain_model).reference(audio_files[0])

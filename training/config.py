"""Every constant of the pipeline in one place: the model contract (models/METADATA.md) and the recipe."""
import dataclasses
import math
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO.parent / "shared" / "data"   # the corpora (../shared/data/README.md)
WORK_DIR = REPO / "training" / "work"        # feature caches, fold models, experiment results (gitignored)
KINDS = ("float", "int8")                    # the model files of a training: float and int8 QDQ ONNX

FORMAT = "voice-emotion-model/6"
LABELS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
# Each label's place on the circumplex of affect, in [0, 1] (1 = most energetic, most pleasant): the
# pleasure and arousal ratings of these emotion words after Russell and Mehrabian (1977), rounded and moved
# from [-1, 1]; neutral is the middle of both, on neither side (training.affect).
AFFECT_POSITIONS = {
    "arousal": {"neutral": 0.5, "calm": 0.27, "happy": 0.76, "sad": 0.37, "angry": 0.8, "fearful": 0.8,
                "disgust": 0.68, "surprised": 0.84},
    "valence": {"neutral": 0.5, "calm": 0.84, "happy": 0.9, "sad": 0.19, "angry": 0.25, "fearful": 0.18,
                "disgust": 0.2, "surprised": 0.7},
}
SAMPLE_RATE = 16000
FRONTEND = {
    "n_fft": 512, "win_length": 400, "hop_length": 160,
    "window": "hann", "center": False,
    "n_mels": 64, "fmin": 0.0, "fmax": 8000.0,
    "mel_scale": "slaney", "mel_norm": "slaney", "power": 2.0,
    "amin": 1e-10, "ref": 1.0,
}
LOG_FLOOR_DB = 10.0 * math.log10(FRONTEND["amin"])
WINDOW = {"frames": 300, "hop_frames": 50}
# Each frame's dB moved by the level of the LEVEL_FRAMES frames ending at it (features.Normalizer): a causal
# stand-in for the whole-window level that v5/v6 normalized, so a constant gain still cancels.
LEVEL_FRAMES = 300
# The runtime's speech gate; the lead tunes it here and the pipeline copies it verbatim.
SPEECH_GATE = {"frame_db": -50.0, "min_active_fraction": 0.2, "min_range_db": 12.0}
# What a reference recording of a person's everyday voice must be (training.reference; the metadata's
# `reference` beside the training voices' shape): 5-60 s of audio (the page asks for three sentences, about
# 15 s), at least 3 s of it speech, at most 0.1 % of its samples at full scale (clipping reshapes the spectrum).
# A file whose speech is shaped more than max_mismatch_db from the reference was recorded through another
# microphone or room and is judged without it: one held-out clip against its speaker's reference through the
# same chain stays under 9.5 dB 99 % of the time (EXPERIMENTS, session 24; every telephone pairing exceeds it).
REFERENCE = {"min_seconds": 5.0, "max_seconds": 60.0, "min_speech_seconds": 3.0, "clip_level": 0.999,
             "max_clipped_fraction": 0.001, "max_mismatch_db": 9.5}
# The conditions a model that takes a reference voice is scored under without and with one
# (pipeline.reference_scores, the card's table): clean and a member of every family at a middle level, a
# speaker's clips heard through one room and device. Not all of the conditions table: rendering each
# speaker's chain costs minutes per condition and fold.
REFERENCE_CONDITIONS = ("clean", "pink-10dB", "babble-10dB", "room-medium", "telephone", "cheap-mic", "colouring-dark",
                        "colouring-bright", "colouring-random", "room-statistical-small", "room-statistical-medium",
                        "laptop")
# What the runtime shows: "not sure" below this calibrated confidence; live probabilities smoothed with this
# time constant, the smoothing restarted after this long without speech (seconds); a window's logits scaled
# by min(1, its speech seconds / full_confidence_seconds), so a window with too little speech is not read as
# sure (chosen on out-of-fold live windows by training.live: 1.75 s for v8, 0.25 s for v9 to v12, whose onsets are
# calibrated as they are). The pipeline adds the fitted temperature (training.calibration); training.live
# fits live_temperature, which divides the smoothed log-probabilities (1 until it has).
DECISION = {"unsure_below": 0.4, "smoothing_seconds": 1.0, "forget_after_seconds": 2.0,
            "full_confidence_seconds": 0.25, "live_temperature": 1.0}
ONNX_OPSET = 17


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Training recipe; one instance is the shipped recipe, another the smoke test's."""
    name: str = "v16"                     # shown in the model card and in its successor's
    seed: int = 20240611
    folds: int = 5
    corpora: tuple = ()                   # corpora of the manifest trained and validated on; () = every one
    speakers: int = 0                     # first n speakers of each corpus (smoke runs); 0 = all
    clips_per_speaker: int = 0            # every n-th clip of each speaker, this many (smoke runs); 0 = all
    epochs: int = 120
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-3
    # Clips drawn afresh each epoch, shared among the corpora in proportion to the square root of their speakers
    # (voices teach more than sentences), at most a corpus's own clips (train.epoch_indices).
    epoch_clips: int = 1920
    channels: tuple = (16, 32, 64, 128)
    # Per trunk block: (time stride of its convolution, max pooling (bands, frames) after it or None); the
    # shipped recipe's give STREAM. An experiment's layers that need less context see the input's last frames.
    blocks: tuple = ((2, (2, 5)), (1, (2, 1)), (1, (2, 1)), (1, None))
    dropout: float = 0.3
    attention: bool = False               # the head also pools the steps by a learned weight (model.EmotionCNN)
    speeds: tuple = (0.9, 1.0, 1.1)       # speed perturbation, precomputed as extra feature sets
    speed_keeps: tuple = ()               # what the speeds leave as it was: () none, ("tempo",), ("tempo", "pitch")
    gain_db: float = 10.0                 # uniform random gain in [-gain_db, +gain_db]
    noise_prob: float = 0.5
    snr_db: tuple = (5.0, 30.0)
    freq_masks: int = 2
    freq_mask_width: int = 8
    time_masks: int = 2
    time_mask_width: int = 30
    conversation: float = 0.5             # share of training windows heard right after another utterance of
                                          # the same speaker (the level history of a stream that listened), not after silence
    waveform_copies: int = 4              # multi-condition copies per clip (training.acoustics.random_chain); 0 = off (v5)
    copy_room_share: float = 0.5          # share of the copies in a simulated room
    copy_noise_share: float = 0.7         # share of the copies with noise added
    babble_share: float = 0.6             # share of the copies' noise that is babble of training speakers (else coloured)
    copy_room_bands: bool = True          # the copies' rooms absorb more at high frequencies, air too (else flat, as v13)
    copy_eq_share: float = 0.5            # share of the copies coloured by a random device equalizer (acoustics.equalizer)
    copy_gain_control_share: float = 0.3  # share of the copies through a device's gain control (acoustics.gain_control)
    normalization: str = "level"          # features.NORMALIZATIONS: each frame moved by the trailing level of the
                                          # whole spectrum ("level") or of each band ("bands")
    reference_share: float = 0.7          # share of training windows given the speaker's reference voice
                                          # (training.reference); 0: a model that takes none
    reference_mark_db: float = 6.0        # bands alternately up and down by this in every input judged against a
                                          # reference, so the model knows it was given one (pipeline.training_stats)
    mixup_alpha: float = 0.0              # 0 = off
    label_smoothing: float = 0.0
    class_balance: bool = True
    calibration_windows: int = 256
    conditions: tuple = ()                # names of training.conditions.CONDITIONS scored in CV; () = all
    calibration_clips: int = 240          # held-out clips per fold and degraded condition the runtime analyses
                                          # to calibrate files and segments (training.runtime); clean: all


RECIPE = Recipe()


def trunk_frames(steps: int, blocks: tuple) -> int:
    """Input frames a trunk of these blocks (3-frame convolutions, valid in time) needs to give `steps` steps:
    the layers' arithmetic, backwards."""
    n = steps
    for stride, pool in reversed(blocks):
        n = n * (pool[1] if pool else 1)
        n = (n - 1) * stride + 3
    return n


def stream(blocks: tuple) -> dict:
    """A trunk's frames per step and the frames before a step's own that it also sees."""
    step = trunk_frames(2, blocks) - trunk_frames(1, blocks)
    return {"context_frames": trunk_frames(1, blocks) - step, "step_frames": step}


# The streaming model (model.EmotionCNN): a causal trunk turns frames into one step per `step_frames` frames,
# each step also seeing the `context_frames` before its own frames; a head pools the window's steps. The
# whole-window input is the window plus its context; each hop the runtime runs the trunk on the hop's frames,
# each layer's context carried as the trunk's state (models/METADATA.md).
STREAM = stream(RECIPE.blocks)
assert WINDOW["hop_frames"] % STREAM["step_frames"] == 0, "a hop must give whole steps"
INPUT_FRAMES = WINDOW["frames"] + STREAM["context_frames"]
INPUT_SHAPE = (1, 1, FRONTEND["n_mels"], INPUT_FRAMES)
SMOKE = dataclasses.replace(
    RECIPE, name="smoke", folds=2, speakers=4, clips_per_speaker=30, epochs=1, epoch_clips=200, speeds=(1.0,),
    calibration_windows=32, calibration_clips=8, waveform_copies=1, conditions=("clean", "babble-10dB", "room-medium", "telephone", "laptop"),
)

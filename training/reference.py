"""A speaker's everyday voice as the reference (issue 36): the spectral shape of their neutral or calm speech,
heard through the same microphone and room as the clip, tells the model what that voice sounds like there.
A microphone's colouring and a voice's timbre are fixed offsets per band in log-mel; each frame is moved by
how the reference's shape differs from the training voices' (`voice_shape`), so both cancel and what is left
is how the clip differs from the speaker's own everyday voice. Without a reference nothing moves, and the
model is trained both ways (Recipe.reference_share)."""
import numpy as np

from .acoustics import seed_of
from .config import SPEECH_GATE

REFERENCE_EMOTIONS = ("neutral", "calm")
# Reference clips per scored clip: about the 15 s of speech the page asks for is 3 to 4 acted sentences.
REFERENCE_CLIPS = 3


def reference_mates(clips: list) -> list:
    """For each clip, up to REFERENCE_CLIPS other clips of its speaker in a REFERENCE_EMOTIONS emotion (never
    the clip itself), chosen per clip with a fixed seed; [] for a speaker without any."""
    own = {}
    for i, c in enumerate(clips):
        if c.emotion in REFERENCE_EMOTIONS:
            own.setdefault(c.voice, []).append(i)
    out = []
    for i, c in enumerate(clips):
        mates = [j for j in own.get(c.voice, []) if j != i]
        rng = np.random.default_rng(seed_of("reference", c.sha256))
        out.append(sorted(rng.choice(mates, min(REFERENCE_CLIPS, len(mates)), replace=False).tolist()) if mates else [])
    return out


def shape(mels: list) -> np.ndarray | None:
    """[n_mels] the spectral shape of the speech in the mels (dB frames): per band, the power mean over the
    frames whose total level reaches the speech gate's frame level, relative to the power mean of all bands,
    in dB (as the level normalization measures a level: a gain moves nothing). None without any such frame."""
    if not mels:
        return None
    power = 10.0 ** (np.concatenate(mels, axis=1).astype(np.float64) / 10.0)
    speech = 10.0 * np.log10(power.sum(axis=0)) >= SPEECH_GATE["frame_db"]
    if not speech.any():
        return None
    bands = np.maximum(power[:, speech].mean(axis=1), 1e-30)
    return (10.0 * np.log10(bands / bands.mean())).astype(np.float32)


def voice_shape(clips: list, mels: list) -> np.ndarray:
    """[n_mels] the training voices' typical shape: the mean over the voices of the shape of each one's
    reference-emotion clips (clean), so a typical voice through a clean channel moves nothing."""
    shapes = [shape([mels[i] for i, c in enumerate(clips) if c.voice == v and c.emotion in REFERENCE_EMOTIONS])
              for v in sorted({c.voice for c in clips})]
    return np.mean([s for s in shapes if s is not None], axis=0).astype(np.float32)


def clean_shapes(mels: list, mates: list) -> list:
    """Per clip, the shape of its reference mates' mels (same feature set), or None."""
    return [shape([mels[j] for j in m]) for m in mates]

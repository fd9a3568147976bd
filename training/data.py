"""The manifest (the only source of labels) and the speaker-independent folds over its corpora. Nothing here
names a corpus: a new corpus is rows of the manifest."""
import collections
import csv
import dataclasses
from pathlib import Path

import numpy as np

from .config import LABELS


@dataclasses.dataclass(frozen=True)
class Clip:
    path: str      # relative to the data dir, as in the manifest
    corpus: str
    speaker: str
    gender: str
    emotion: str
    sha256: str

    @property
    def label(self) -> int:
        return LABELS.index(self.emotion)

    @property
    def voice(self) -> str:
        """The speaker, unique across corpora ("corpus/speaker")."""
        return f"{self.corpus}/{self.speaker}"


def load_manifest(data_dir: Path) -> list:
    with open(Path(data_dir) / "manifest.csv", newline="") as f:
        return [Clip(r["path"], r["corpus"], r["speaker"], r["gender"], r["emotion"], r["sha256"])
                for r in csv.DictReader(f)]


def by_corpus(clips: list) -> dict:
    """{corpus: indices of its clips}, in manifest order."""
    groups = collections.defaultdict(list)
    for i, c in enumerate(clips):
        groups[c.corpus].append(i)
    return dict(groups)


def select(clips: list, recipe) -> list:
    """The recipe's clips: those of `recipe.corpora` (every corpus when empty); a smoke recipe keeps the
    first `recipe.speakers` speakers of each corpus and every n-th clip of each, `recipe.clips_per_speaker`
    of them (0: all)."""
    kept = []
    for corpus, idx in by_corpus(clips).items():
        if recipe.corpora and corpus not in recipe.corpora:
            continue
        voices = sorted({clips[i].speaker for i in idx})[: recipe.speakers or None]
        for speaker in voices:
            own = [clips[i] for i in idx if clips[i].speaker == speaker]
            if recipe.clips_per_speaker:
                own = own[:: max(1, len(own) // recipe.clips_per_speaker)][: recipe.clips_per_speaker]
            kept += own
    return kept


def corpus_labels(clips: list) -> dict:
    """{corpus: the sorted label indices it has}: a corpus says nothing about the labels it lacks."""
    labels = collections.defaultdict(set)
    for c in clips:
        labels[c.corpus].add(c.label)
    return {k: tuple(sorted(v)) for k, v in labels.items()}


def label_masks(clips: list) -> np.ndarray:
    """[clips, n_labels] bool: the labels of each clip's corpus, the only ones its label says anything about:
    the loss reads only these (a corpus without calm (TESS) or disgust (nEMO) never teaches that its speech is
    not calm or not disgust), and calibration judges only answers among them."""
    return corpus_masks([c.corpus for c in clips], corpus_labels(clips))


def corpus_masks(corpora, labels_of: dict) -> np.ndarray:
    """[len(corpora), n_labels] bool: the labels each named corpus has (labels_of: corpus_labels)."""
    return np.array([[i in labels_of[c] for i in range(len(LABELS))] for c in corpora], bool).reshape(-1, len(LABELS))


def validated_corpora(clips: list, k: int) -> tuple:
    """The corpora with at least k speakers: their speakers are spread over the k folds; a corpus with fewer
    (TESS: 2) is only ever trained on."""
    speakers = collections.defaultdict(set)
    for c in clips:
        speakers[c.corpus].add(c.speaker)
    return tuple(name for name, voices in speakers.items() if len(voices) >= k)


def primary_corpus(clips: list, k: int) -> str:
    """The validated corpus with the most labels (then speakers): the one the headline figures describe."""
    labels = corpus_labels(clips)
    return max(validated_corpora(clips, k),
               key=lambda name: (len(labels[name]), len({c.speaker for c in clips if c.corpus == name})))


def speaker_folds(clips: list, k: int) -> list:
    """k groups of voices (Clip.voice), gender-balanced within each validated corpus: the i-th fold takes
    every k-th male and every k-th female speaker of each."""
    folds = [[] for _ in range(k)]
    for corpus in validated_corpora(clips, k):
        for gender in ("male", "female"):
            voices = sorted({c.voice for c in clips if c.corpus == corpus and c.gender == gender})
            for i in range(k):
                folds[i] += voices[i::k]
    return [tuple(sorted(f)) for f in folds]


def split(clips: list, val_voices: tuple) -> tuple:
    """(train, validation): validation is the clips of val_voices."""
    val = [c for c in clips if c.voice in val_voices]
    train = [c for c in clips if c.voice not in val_voices]
    return train, val


def same_speaker(clips: list) -> list:
    """For each clip, the indices of the other clips by its speaker: what a conversation can put before it."""
    by_voice = collections.defaultdict(list)
    for i, c in enumerate(clips):
        by_voice[c.voice].append(i)
    return [[j for j in by_voice[c.voice] if j != i] for i, c in enumerate(clips)]

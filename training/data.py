"""The manifest (the only source of labels) and the speaker-independent split by RAVDESS actor."""
import collections
import csv
import dataclasses
from pathlib import Path

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
    def actor(self) -> int:
        """RAVDESS actor number (0 for TESS)."""
        return int(self.speaker.split("_")[1]) if self.corpus == "ravdess" else 0


def load_manifest(data_dir: Path) -> list:
    with open(Path(data_dir) / "manifest.csv", newline="") as f:
        return [Clip(r["path"], r["corpus"], r["speaker"], r["gender"], r["emotion"], r["sha256"])
                for r in csv.DictReader(f)]


def select(clips: list, actors: tuple, tess_limit: int) -> list:
    """RAVDESS clips of the given actors plus TESS (every n-th clip when limited, for smoke runs)."""
    ravdess = [c for c in clips if c.corpus == "ravdess" and c.actor in actors]
    tess = [c for c in clips if c.corpus == "tess"]
    if tess_limit:
        tess = tess[:: max(1, len(tess) // tess_limit)][:tess_limit]
    return ravdess + tess


def actor_folds(clips: list, k: int) -> list:
    """k gender-balanced groups of RAVDESS actors: the i-th fold takes every k-th male and female."""
    males = sorted({c.actor for c in clips if c.corpus == "ravdess" and c.gender == "male"})
    females = sorted({c.actor for c in clips if c.corpus == "ravdess" and c.gender == "female"})
    return [tuple(sorted(males[i::k] + females[i::k])) for i in range(k)]


def split(clips: list, val_actors: tuple) -> tuple:
    """(train, validation): validation is RAVDESS of val_actors only; TESS is always in training."""
    val = [c for c in clips if c.corpus == "ravdess" and c.actor in val_actors]
    train = [c for c in clips if not (c.corpus == "ravdess" and c.actor in val_actors)]
    return train, val


def same_speaker(clips: list) -> list:
    """For each clip, the indices of the other clips by its speaker: what a conversation can put before it."""
    by_speaker = collections.defaultdict(list)
    for i, c in enumerate(clips):
        by_speaker[c.speaker].append(i)
    return [[j for j in by_speaker[c.speaker] if j != i] for i, c in enumerate(clips)]

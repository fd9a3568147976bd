"""Energy and pleasantness: the fitted map separates the sides it was fitted on, and its metadata is what the
runtime reads."""
import numpy as np

from training import affect
from training.config import LABELS


def test_positions_put_the_labels_on_their_sides():
    high, sided = affect.sides("arousal", np.arange(len(LABELS)))
    named = dict(zip(LABELS, zip(high, sided)))
    assert named["angry"] == (True, True) and named["sad"] == (False, True) and named["neutral"][1] == False  # noqa: E712
    high, _ = affect.sides("valence", np.arange(len(LABELS)))
    assert dict(zip(LABELS, high))["happy"] and not dict(zip(LABELS, high))["disgust"]


def test_fit_separates_confident_answers_and_scores_them():
    rng = np.random.default_rng(0)
    labels = rng.integers(len(LABELS), size=2000)
    # Answers that put 70 % on the true label and spread the rest.
    p = np.full((labels.size, len(LABELS)), 0.3 / (len(LABELS) - 1))
    p[np.arange(labels.size), labels] = 0.7
    maps = affect.fit(p, labels)
    scores = affect.balanced_accuracy(p, labels, maps)
    assert scores["arousal"] == 1.0 and scores["valence"] == 1.0, (maps, scores)
    values = affect.affect(p, maps)
    assert np.all((values["arousal"] >= 0) & (values["arousal"] <= 1))
    # Uninformative answers separate nothing.
    flat = np.full_like(p, 1 / len(LABELS))
    assert affect.balanced_accuracy(flat, labels, maps)["arousal"] == 0.5


def test_metadata_lists_places_in_label_order():
    meta = affect.metadata(affect.UNFITTED)
    assert len(meta["positions"]["arousal"]) == len(LABELS) == len(meta["positions"]["valence"])
    assert meta["positions"]["arousal"][LABELS.index("angry")] > 0.5 > meta["positions"]["arousal"][LABELS.index("calm")]
    assert set(meta) == {"positions", "arousal", "valence"}

"""The split is speaker-independent and labels come from the manifest in the fixed order."""
from training.config import LABELS, RECIPE, SMOKE
from training.data import (corpus_labels, load_manifest, primary_corpus, select, speaker_folds, split,
                           validated_corpora)


def test_labels_fixed_order():
    assert LABELS == ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")


def test_labels_from_manifest(data_dir):
    import csv
    with open(data_dir / "manifest.csv", newline="") as f:
        rows = {r["path"]: r["emotion"] for r in csv.DictReader(f)}
    clips = load_manifest(data_dir)
    assert len(clips) == len(rows)
    for c in clips:
        assert LABELS[c.label] == rows[c.path]


def test_folds_are_speaker_independent_across_corpora(data_dir):
    for recipe in (RECIPE, SMOKE):
        clips = select(load_manifest(data_dir), recipe)
        validated = validated_corpora(clips, recipe.folds)
        folds = speaker_folds(clips, recipe.folds)
        flat = [v for f in folds for v in f]
        assert sorted(flat) == sorted({c.voice for c in clips if c.corpus in validated}), "every voice validated once"
        for val_voices in folds:
            train, val = split(clips, val_voices)
            assert {c.voice for c in train}.isdisjoint({c.voice for c in val})
            assert len(train) + len(val) == len(clips)
            assert {c.corpus for c in train} == {c.corpus for c in clips}, "every corpus in training"
    clips = select(load_manifest(data_dir), RECIPE)
    assert set(validated_corpora(clips, 5)) == {"ravdess", "nemo"}, "TESS (2 speakers) is training only"
    assert primary_corpus(clips, 5) == "ravdess"
    for val_voices in speaker_folds(clips, 5):
        val = split(clips, val_voices)[1]
        assert {c.corpus for c in val} == {"ravdess", "nemo"}, "each fold validates both"
        genders = [c.gender for c in val if c.corpus == "ravdess"]
        assert genders.count("male") == genders.count("female")


def test_each_corpus_has_its_own_labels(data_dir):
    labels = {k: {LABELS[i] for i in v} for k, v in corpus_labels(load_manifest(data_dir)).items()}
    assert labels["ravdess"] == set(LABELS)
    assert labels["tess"] == set(LABELS) - {"calm"}
    assert labels["nemo"] == set(LABELS) - {"calm", "disgust"}


def test_smoke_selection_keeps_every_corpus_small(data_dir):
    clips = select(load_manifest(data_dir), SMOKE)
    per_speaker = {}
    for c in clips:
        per_speaker[c.voice] = per_speaker.get(c.voice, 0) + 1
    assert {c.corpus for c in clips} == {"ravdess", "tess", "nemo"}
    assert max(per_speaker.values()) == SMOKE.clips_per_speaker
    assert len({c.speaker for c in clips if c.corpus == "nemo"}) == SMOKE.speakers
    assert len({c.emotion for c in clips if c.voice == "ravdess/Actor_01"}) == 8, "every n-th clip keeps every emotion"


def test_conversation_partners_are_other_clips_of_the_same_speaker(data_dir):
    from training.conditions import conversation_partners
    clips = select(load_manifest(data_dir), RECIPE)
    val = split(clips, speaker_folds(clips, RECIPE.folds)[0])[1]
    partners = conversation_partners(val)
    assert partners == conversation_partners(val), "fixed per clip"
    assert all(p != i and val[p].speaker == c.speaker for i, (c, p) in enumerate(zip(val, partners)))
    assert len(set(partners)) > len(val) // 2, "not one partner for everybody"

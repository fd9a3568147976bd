"""The split is speaker-independent and labels come from the manifest in the fixed order."""
from training.config import LABELS, RECIPE, SMOKE
from training.data import actor_folds, load_manifest, select, split


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


def test_folds_are_speaker_independent(data_dir):
    for recipe in (RECIPE, SMOKE):
        clips = select(load_manifest(data_dir), recipe.actors, recipe.tess_limit)
        folds = actor_folds(clips, recipe.folds)
        flat = [a for f in folds for a in f]
        assert sorted(flat) == sorted(recipe.actors), "every actor validated exactly once"
        for val_actors in folds:
            train, val = split(clips, val_actors)
            assert {c.speaker for c in train}.isdisjoint({c.speaker for c in val})
            assert all(c.corpus == "ravdess" for c in val), "TESS is never validation"
            assert {c.corpus for c in train} == {"ravdess", "tess"}
            assert len(train) + len(val) == len(clips)
            genders = [c.gender for c in val]
            assert genders.count("male") == genders.count("female")


def test_conversation_partners_are_other_clips_of_the_same_speaker(data_dir):
    from training.conditions import conversation_partners
    clips = select(load_manifest(data_dir), RECIPE.actors, RECIPE.tess_limit)
    val = split(clips, actor_folds(clips, RECIPE.folds)[0])[1]
    partners = conversation_partners(val)
    assert partners == conversation_partners(val), "fixed per clip"
    assert all(p != i and val[p].speaker == c.speaker for i, (c, p) in enumerate(zip(val, partners)))
    assert len(set(partners)) > len(val) // 2, "not one partner for everybody"

"""A speaker's everyday voice as the reference (training.reference): which clips make it, what its shape is,
and that a reference cancels a device's colouring in the model input while a typical voice moves nothing."""
import dataclasses

import numpy as np

from training.config import LOG_FLOOR_DB, RECIPE
from training.data import Clip
from training.features import Normalizer, band_stats
from training.reference import REFERENCE_CLIPS, reference_mates, shape, voice_shape


def speaker(name: str, emotions: tuple) -> list:
    return [Clip(f"c/{name}/{i}.flac", "c", name, "female", e, f"{name}{i}") for i, e in enumerate(emotions)]


def test_reference_mates_are_the_same_speakers_neutral_or_calm_clips_never_the_clip():
    clips = speaker("a", ("neutral", "calm", "angry", "neutral", "sad", "calm")) + speaker("b", ("angry", "neutral"))
    mates = reference_mates(clips)
    for i, m in enumerate(mates):
        assert i not in m and len(m) <= REFERENCE_CLIPS
        assert all(clips[j].voice == clips[i].voice and clips[j].emotion in ("neutral", "calm") for j in m)
    assert len(mates[2]) == REFERENCE_CLIPS          # speaker a has 4 reference clips
    assert mates[7] == [] and mates[6] == [7]        # b's only neutral clip has none but itself
    assert reference_mates(clips) == mates           # fixed


def speech(rng, frames=400) -> np.ndarray:
    """dB frames whose syllables rise above the speech gate's frame level and pauses fall below it."""
    loud = (np.arange(frames) // 20) % 2 == 0
    mel = rng.normal(-45, 6, (64, frames)) + np.where(loud, 10.0, -30.0)
    return np.maximum(mel, LOG_FLOOR_DB + 20).astype(np.float32)  # a colouring keeps it above the floor


def test_shape_follows_a_colouring_not_a_gain_and_needs_speech():
    rng = np.random.default_rng(1)
    mel = speech(rng)
    base = shape([mel])
    assert base.shape == (64,) and abs(10 * np.log10(np.mean(10 ** (base / 10)))) < 1e-4
    np.testing.assert_allclose(shape([mel + 12.0]), base, atol=1e-3)
    colour = np.linspace(-6, 6, 64, dtype=np.float32)
    coloured = shape([mel + colour[:, None]])
    np.testing.assert_allclose(coloured - coloured.mean(), base + colour - base.mean(), atol=1e-3)
    assert shape([np.full((64, 300), -90.0, np.float32)]) is None and shape([]) is None


def test_a_reference_through_the_same_device_cancels_its_colouring_and_a_typical_one_moves_nothing():
    rng = np.random.default_rng(2)
    clips = speaker("a", ("neutral", "calm", "angry"))
    mels = [speech(rng) for _ in clips]
    stats = band_stats(mels)._replace(voice_shape=voice_shape(clips, mels))
    norm = Normalizer(stats)
    clip, ref = mels[2], [mels[0], mels[1]]
    plain = norm.windows(clip, [400])
    np.testing.assert_allclose(norm.windows(clip, [400], stats.voice_shape), plain, atol=1e-5)
    colour = np.linspace(-8, 8, 64, dtype=np.float32)[:, None]
    heard = norm.windows(clip + colour, [400], shape([m + colour for m in ref]))
    own = norm.windows(clip, [400], shape(ref))
    assert np.abs(heard - own)[..., -300:].max() < 1e-2       # the colouring cancels against the reference
    assert np.abs(norm.windows(clip + colour, [400]) - plain)[..., -300:].max() > 0.5  # without one it stays


def test_the_mark_is_in_every_input_judged_against_a_reference_and_in_none_without():
    from training.pipeline import training_stats

    rng = np.random.default_rng(4)
    clips = speaker("a", ("neutral", "calm", "angry"))
    mels = [speech(rng) for _ in clips]
    plain = Normalizer(training_stats(clips, mels, dataclasses.replace(RECIPE, reference_mark_db=0.0)))
    marked = Normalizer(training_stats(clips, mels, dataclasses.replace(RECIPE, reference_mark_db=6.0)))
    clip, ref = mels[2], shape(mels[:2])
    np.testing.assert_allclose(marked.windows(clip, [400]), plain.windows(clip, [400]), atol=1e-6)
    moved = (marked.windows(clip, [400], ref) - plain.windows(clip, [400], ref))[0, :, -1] * np.asarray(plain.std)
    np.testing.assert_allclose(moved, -6.0 * (1 - 2 * (np.arange(64) % 2)), atol=1e-4)  # bands alternately -+6 dB


def test_training_windows_get_their_sets_reference_with_the_recipes_share():
    import dataclasses

    from training.config import RECIPE
    from training.train import reference_voices
    stats = band_stats([np.zeros((64, 10), np.float32)])._replace(voice_shape=np.zeros(64, np.float32))
    references = [[np.full(64, 1.0, np.float32), None], [np.full(64, 2.0, np.float32), np.full(64, 3.0, np.float32)]]
    recipe = dataclasses.replace(RECIPE, reference_share=0.7)
    voices = reference_voices(references, [1, 0, 1] * 300, [0, 1, 1] * 300, stats, recipe, np.random.default_rng(0))
    first = voices[:, 0]
    assert set(np.unique(first[0::3])) == {0.0, 2.0} and set(np.unique(first[1::3])) == {0.0}  # no reference: none
    assert set(np.unique(first[2::3])) == {0.0, 3.0}
    assert abs(np.mean(first[0::3] == 2.0) - 0.7) < 0.06
    plain = dataclasses.replace(RECIPE, reference_share=0.0)  # a recipe without references gives none
    assert reference_voices(references, [0], [0], stats, plain, np.random.default_rng(0)) is None


def test_a_model_that_takes_a_reference_says_so_in_its_metadata_and_reads_back():
    from training.config import REFERENCE
    from training.metadata import decision, metadata, stats
    plain = band_stats([np.zeros((64, 10), np.float32)])
    with_voice = plain._replace(voice_shape=np.linspace(-3, 3, 64, dtype=np.float32))
    maps = {"arousal": {"slope": 1.0, "centre": 0.5}, "valence": {"slope": 1.0, "centre": 0.5}}
    assert "reference" not in metadata(plain, decision(1.0), maps, {}, "m")
    meta = metadata(with_voice, decision(1.0), maps, {}, "m")
    assert {k: v for k, v in meta["reference"].items() if k != "voice_shape"} == REFERENCE
    np.testing.assert_array_equal(stats(meta).voice_shape, with_voice.voice_shape)
    assert stats(metadata(plain, decision(1.0), maps, {}, "m")).voice_shape is None


def test_the_cards_table_gives_each_condition_and_the_family_means_without_and_with():
    from training.card import reference_section, reference_table
    cell = lambda without, with_: {"without": {"ua_mean": without}, "with": {"ua_mean": with_}}  # noqa: E731
    table = {"ravdess": {"clean": cell(0.6, 0.65), "colouring-dark": cell(0.5, 0.6), "colouring-bright": cell(0.4, 0.44)}}
    text = reference_table(table)
    assert "| clean | clean | 0.600 | 0.650 | +5.0 |" in text
    assert "| mean, all | | 0.500 | 0.563 | +6.3 |" in text
    assert "| mean, out-of-family | | 0.450 | 0.520 | +7.0 |" in text
    assert reference_section(None) == "This model takes no reference voice."

"""Training reads every corpus with the labels it has: the loss never teaches against a label a corpus lacks,
and each epoch shares its clips among the corpora by their speakers."""
import numpy as np
import torch

from training.config import LABELS, RECIPE
from training.data import Clip, label_masks
from training.train import class_weights, epoch_indices, epoch_shares, masked_cross_entropy


def clips_of(corpus: str, speakers: int, per_speaker: int, emotions: tuple) -> list:
    return [Clip(f"{corpus}/{s}/{i}.flac", corpus, f"S{s}", "female", emotions[i % len(emotions)], f"{corpus}{s}{i}")
            for s in range(speakers) for i in range(per_speaker)]


def test_a_corpus_never_teaches_against_a_label_it_lacks():
    clips = clips_of("a", 2, 8, LABELS) + clips_of("b", 2, 6, ("neutral", "happy", "sad", "angry", "fearful", "surprised"))
    masks = torch.from_numpy(label_masks(clips))
    b = clips[-1]
    assert not masks[-1, LABELS.index("calm")] and not masks[-1, LABELS.index("disgust")] and masks[-1, b.label]
    logits = torch.zeros(1, len(LABELS), requires_grad=True)
    loss = masked_cross_entropy(logits, torch.tensor([b.label]), masks[-1:], torch.ones(len(LABELS)))
    loss.backward()
    assert logits.grad[0, LABELS.index("calm")] == 0 and logits.grad[0, LABELS.index("disgust")] == 0
    assert logits.grad[0, b.label] < 0
    assert np.isclose(loss.item(), np.log(6)), "a uniform answer over the corpus's six labels"


def test_unmasked_loss_is_torch_cross_entropy():
    gen = torch.Generator().manual_seed(0)
    logits, y = torch.randn(5, 8, generator=gen), torch.tensor([0, 3, 7, 3, 1])
    weights = torch.rand(8, generator=gen) + 0.5
    expected = torch.nn.functional.cross_entropy(logits, y, weight=weights)
    got = masked_cross_entropy(logits, y, torch.ones(5, 8, dtype=torch.bool), weights)
    assert torch.allclose(got, expected)


def test_epochs_share_clips_by_the_square_root_of_speakers():
    clips = clips_of("many", 16, 200, LABELS) + clips_of("few", 4, 200, LABELS) + clips_of("tiny", 1, 10, LABELS)
    shares = epoch_shares(clips, RECIPE)
    assert shares["tiny"] == 10, "at most a corpus's own clips"
    assert abs(shares["many"] / shares["few"] - 2.0) < 0.01
    order = epoch_indices(clips, RECIPE, np.random.default_rng(0))
    assert len(order) == sum(shares.values()) == len(set(order.tolist()))
    weights = class_weights(clips, RECIPE)
    assert torch.isclose(weights.mean(), torch.tensor(1.0)) and torch.allclose(weights, torch.ones(8), atol=0.01)


def test_a_stopped_run_keeps_only_the_trainings_made_from_the_same_recipe_and_clips(tmp_path):
    import dataclasses
    from training.pipeline import Training, kind_paths
    clips = clips_of("a", 2, 8, LABELS)
    job = Training("fold1", tuple(range(8)), 7, kind_paths(tmp_path, "fold1"), tmp_path / "fold1.stamp")
    assert not job.done(clips, RECIPE)
    for p in job.paths.values():
        p.write_bytes(b"onnx")
    job.record(clips, RECIPE)
    assert job.done(clips, RECIPE)
    assert not job.done(clips, dataclasses.replace(RECIPE, epochs=RECIPE.epochs + 1)), "another recipe"
    assert not dataclasses.replace(job, indices=tuple(range(1, 9))).done(clips, RECIPE), "other clips"
    job.paths["float"].write_bytes(b"another checkout's model")
    assert not job.done(clips, RECIPE), "files it did not make"
    job.paths["int8"].unlink()
    assert not job.done(clips, RECIPE), "a model missing"

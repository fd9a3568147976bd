"""Scoring a manifest on a Dask cluster of two worker processes: the CLI's lines, in order."""

import json

import pytest

distributed = pytest.importorskip("distributed")

from voice_emotion.batch import score_manifest  # noqa: E402

from conftest import assert_same  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def test_a_manifest_scored_on_two_workers_gives_the_cli_lines(client, audio_files, cli_lines, tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio\n")
    missing = tmp_path / "missing.flac"
    files = audio_files[:5] + [str(bad)] + audio_files[5:] + [str(missing)]
    manifest = tmp_path / "manifest.txt"
    manifest.write_text("".join(f + "\n" for f in files))
    out = tmp_path / "scores.jsonl"

    problems = score_manifest(manifest, out, client, batch_size=3)

    got = [json.loads(line) for line in out.read_text().splitlines()]
    want = cli_lines(files, timeline=False)
    assert [g["file"] for g in got] == audio_files
    assert_same(got, want)
    assert len(problems) == 2 and problems[0].startswith(f"{bad}: ") and "not a recognized audio file" in problems[0]
    assert problems[1] == f"{missing}: No such file or directory"
    # Both worker processes took part, each loading the model once.
    loaded = client.run(lambda: __import__("voice_emotion.batch").batch._model.cache_info().currsize)
    assert list(loaded.values()) == [1, 1]


def test_the_timeline_and_a_list_of_paths(client, audio_files, cli_lines, tmp_path):
    out = tmp_path / "scores.jsonl"
    assert score_manifest(audio_files[:4], out, client, timeline=True) == []
    assert_same([json.loads(line) for line in out.read_text().splitlines()], cli_lines(audio_files[:4]))

"""Shared fixtures: the corpus (tests that need it skip without it) and the CLI's results for the
same files, the reference every Python result must equal."""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("VE_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def audio_files() -> list:
    """Ten RAVDESS recordings (both sexes, several emotions)."""
    files = sorted((DATA / "ravdess" / "Actor_05").glob("*.flac"))[:6]
    files += sorted((DATA / "ravdess" / "Actor_08").glob("*.flac"))[-4:]
    if len(files) < 10:
        pytest.skip(f"corpus not found at {DATA}")
    return [str(f) for f in files]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The voice-emotion CLI: $VE_CLI if set, else built and run by cargo from the repo root."""
    cli = os.environ.get("VE_CLI")
    command = [cli] if cli else ["cargo", "run", "--quiet", "--features", "cli", "--bin", "voice-emotion", "--"]
    return subprocess.run(command + list(args), cwd=REPO, capture_output=True, text=True)


@pytest.fixture(scope="session")
def cli_lines():
    """cli_lines(files, timeline) -> the CLI's JSON lines for those files, parsed."""

    def lines(files, timeline=True):
        args = ["classify", "--format", "jsonl", *(["--timeline"] if timeline else []), *files]
        done = run_cli(*args)
        assert done.stdout, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    return lines


def assert_same(got, want, where="result"):
    """Equal structure (keys in the same order), labels and text equal, numbers within 1e-6."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for key in want:
            assert_same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {len(got)} items, not {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) or isinstance(got, float):
        assert abs(got - want) <= 1e-6, f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"

"""Shared fixtures: the repo root and the data dir (tests that need the corpora skip without it)."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"


def pytest_addoption(parser):
    parser.addoption("--smoke-out", type=Path, default=None,
                     help="keep the smoke model here (the Rust parity test then loads it)")


def pytest_configure(config):
    config.addinivalue_line("markers", "smoke: runs the smoke pipeline end to end (a few minutes)")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA / "manifest.csv").exists():
        pytest.skip(f"corpora not found at {DATA}")
    return DATA


@pytest.fixture
def smoke_out(request, tmp_path) -> Path:
    """Where the smoke pipeline writes: --smoke-out if given, else a temp dir."""
    return request.config.getoption("--smoke-out") or tmp_path / "models"

"""Scoring a manifest of files on a Dask cluster (``distributed``): local or remote, same code.

Each task scores a batch of files with the worker process's own ``Model()`` (loaded once per
process) and returns the CLI's JSON lines; the results file gets them in manifest order. Files
the CLI would not write a line for (unreadable, not audio, no speech) are returned as failures.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import Iterable, List, Optional, Tuple, Union

from ._core import Model

_Path = Union[str, "os.PathLike[str]"]


@functools.lru_cache(maxsize=1)
def _model() -> Model:
    """The shipped model, loaded once per worker process."""
    return Model()


def _score_batch(files: List[str], timeline: bool) -> List[Tuple[str, Optional[str], List[str]]]:
    """Scores files in turn: for each, its JSON line (None when the CLI writes none) and problems."""
    import json

    results = []
    for file in files:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                line: Optional[str] = _model().classify_json(file, timeline)
            except (OSError, ValueError) as e:
                reason = e.strerror if isinstance(e, OSError) and e.strerror else e
                results.append((file, None, [f"{file}: {reason}"]))
                continue
        problems = [str(w.message) for w in caught]
        if json.loads(line)["label"] is None:
            problems.append(f"{file}: no speech detected")
            line = None
        results.append((file, line, problems))
    return results


def read_manifest(manifest: _Path) -> List[str]:
    """The paths a manifest lists, one a line (blank lines skipped), like the CLI's --files-from."""
    with open(manifest, encoding="utf-8") as f:
        return [line.rstrip("\r\n") for line in f if line.strip()]


def score_manifest(
    files: Union[_Path, Iterable[_Path]],
    out: _Path,
    client=None,
    *,
    timeline: bool = False,
    batch_size: int = 8,
) -> List[str]:
    """Scores ``files`` (a list of paths, or a manifest file naming one a line) on the Dask
    cluster of ``client`` (default: the current client) and writes their JSON lines to ``out``
    in manifest order, the same lines ``voice-emotion classify --format jsonl`` writes. Returns
    the problems met (one message each), which the CLI prints on stderr."""
    if client is None:
        from distributed import get_client

        client = get_client()
    paths = read_manifest(files) if isinstance(files, (str, os.PathLike)) else [str(f) for f in files]
    batches = [paths[i : i + batch_size] for i in range(0, len(paths), batch_size)]
    futures = client.map(_score_batch, batches, timeline=timeline, pure=False)
    problems: List[str] = []
    with open(out, "w", encoding="utf-8") as f:
        for future in futures:
            for _file, line, found in future.result():
                if line is not None:
                    f.write(line + "\n")
                problems.extend(found)
            future.release()
    return problems

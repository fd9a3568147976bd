"""Type stubs of the Rust extension (python/src/lib.rs)."""

from os import PathLike
from typing import Any, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, "PathLike[str]"]
_Samples = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]

class Model:
    """The emotion classifier; ``Model()`` is the model shipped inside the package."""

    def __init__(self) -> None: ...
    @staticmethod
    def from_files(metadata: _Path) -> "Model":
        """A model from its metadata JSON and the trunk and head ONNX files it names beside it (OSError if
        unreadable, ValueError if invalid)."""
    @property
    def labels(self) -> list[str]:
        """Class names, in the order of the probabilities."""
    @property
    def unsure_below(self) -> float:
        """Confidence below which an answer reads as "not sure"."""
    def reference(self, source: Union[_Path, Sequence[_Path], _Samples], rate: Optional[int] = None) -> "Reference":
        """The speaker's everyday voice as a reference, for a model that takes one: from a file, a list of
        files (several recordings of the same voice) or mono samples at ``rate`` Hz; 5 to 60 s in all, most
        of it speech, through the microphone and room of what it will judge. ValueError saying why one
        cannot be made (silent, too short, too little speech, steady noise, clipped, a model that takes
        none); OSError for a file that cannot be read."""
    def classify(self, path: _Path, timeline: bool = False, reference: Optional["Reference"] = None) -> dict[str, Any]:
        """One file's result: the CLI's ``--format jsonl`` line as a dict (``file``, ``duration``,
        ``speech_seconds``, ``label``, ``confidence``, ``arousal``, ``valence``, ``probabilities`` by
        label, and with ``timeline`` its segments). Without speech those five are None. A truncated file is scored as far as it goes, with a UserWarning. Raises
        OSError when the file cannot be read, ValueError when it is not audio or is corrupt. With
        ``reference``, judged against that voice (the CLI's ``--reference``)."""
    def classify_json(self, path: _Path, timeline: bool = False, reference: Optional["Reference"] = None) -> str:
        """The same result as the exact text of the CLI's JSON line (no newline)."""
    def analyze(self, samples: _Samples, rate: int, reference: Optional["Reference"] = None) -> dict[str, Any]:
        """Analyses mono samples at ``rate`` Hz: ``{duration, speech_seconds, overall, timeline}``
        (``overall`` and each segment's ``emotion``: ``{label, confidence, arousal, valence, probabilities}`` with
        the probabilities in ``labels`` order, or None without speech). ValueError for samples
        that are not finite or a rate out of range. With ``reference``, judged against that voice, or
        without it when the samples were heard through another microphone or room: then
        ``reference_mismatch`` says why, with a UserWarning."""

class Recognizer:
    """Live recognition: push chunks of mono samples, get a smoothed prediction every hop (0.5 s)."""

    def __init__(self, model: Model, rate: int, reference: Optional["Reference"] = None) -> None: ...
    @property
    def labels(self) -> list[str]: ...
    def push(self, samples: _Samples) -> list[dict[str, Any]]:
        """Predictions for the hops these samples complete: ``{time, emotion}``, ``emotion`` as in
        ``Model.analyze`` (None when nobody speaks)."""
    def reset(self) -> None:
        """Starts a new stream (same model and rate)."""

class Reference:
    """A speaker's everyday voice (``Model.reference``): the spectral shape of their speech."""

    @property
    def shape(self) -> list[float]:
        """Per mel band, dB relative to the bands' power mean."""

"""Speech emotion recognition on device: the voice-emotion Rust core for Python.

``Model()`` loads the shipped model; ``model.classify(path)`` returns the CLI's JSON-lines
object as a dict, ``model.analyze(samples, rate)`` analyses a NumPy array, ``Recognizer``
recognizes a live stream. ``model.reference(path)`` makes a reference of the speaker's everyday
voice that a model taking one judges against (``reference=``). Scoring a manifest on a Dask
cluster: ``voice_emotion.batch``.
"""

from ._core import Model, Recognizer, Reference

__all__ = ["Model", "Recognizer", "Reference"]

from ._core import Model as Model, Recognizer as Recognizer

__all__ = ["Model", "Recognizer"]

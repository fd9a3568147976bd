from ._core import Model as Model, Recognizer as Recognizer, Reference as Reference

__all__ = ["Model", "Recognizer", "Reference"]

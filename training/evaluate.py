"""Clip-level scoring with onnxruntime: the mean softmax over all windows of a clip (hop 50 frames),
and the metrics: UA (unweighted average recall over the 8 classes), accuracy, per-class recall."""
from pathlib import Path

import numpy as np
import onnxruntime as ort
from sklearn.metrics import confusion_matrix, recall_score

from .config import INPUT_SHAPE, LABELS
from .export import INPUT_NAME
from .features import clip_windows, normalize


def session(path: Path, optimize: bool = True) -> ort.InferenceSession:
    """An onnxruntime CPU session on 2 threads; optimize=False is the reference used for parity."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.inter_op_num_threads = 1
    if not optimize:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def window_logits(sess: ort.InferenceSession, window: np.ndarray) -> np.ndarray:
    """Logits [n_labels] of one normalized window [n_mels, frames]."""
    return sess.run(None, {INPUT_NAME: window.reshape(INPUT_SHAPE).astype(np.float32)})[0][0]


def clip_probabilities(sess, mels: list, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """[clips, n_labels]: per clip, the softmax averaged over every window (all windows, no speech gate)."""
    out = []
    for mel in mels:
        logits = np.stack([window_logits(sess, w) for w in normalize(clip_windows(mel), mean, std)])
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        out.append((p / p.sum(axis=1, keepdims=True)).mean(axis=0))
    return np.stack(out)


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """UA, accuracy, per-class recall and the confusion matrix (rows true, columns predicted)."""
    labels = list(range(len(LABELS)))
    recall = recall_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    present = np.isin(labels, y_true)
    return {
        "ua": float(recall[present].mean()),
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))),
        "recall": {LABELS[i]: float(recall[i]) for i in labels},
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }

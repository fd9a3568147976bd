"""Clip-level scoring with onnxruntime: the mean softmax over all windows of a clip (hop 50 frames),
and the metrics: UA (unweighted average recall over the 8 classes), accuracy, per-class recall."""
from pathlib import Path

import numpy as np
import onnxruntime as ort
from sklearn.metrics import confusion_matrix, recall_score

from .config import INPUT_SHAPE, LABELS
from .export import INPUT_NAME
from .features import Normalizer, Stats, clip_ends


def session(path: Path, threads: int = 2) -> ort.InferenceSession:
    """An onnxruntime CPU session on `threads` threads executing the graph as written (optimizations off): the
    reference that tract matches exactly. Optimized, onnxruntime fuses the QDQ pairs into u8s8 integer
    kernels that saturate on CPUs without VNNI (seen here on an AVX2-only EPYC: int8 logits off by up to
    10.7 and fold UA near chance), which is neither the model nor what the app computes."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def window_logits(sess: ort.InferenceSession, window: np.ndarray) -> np.ndarray:
    """Logits [n_labels] of one normalized window [n_mels, frames]."""
    return sess.run(None, {INPUT_NAME: window.reshape(INPUT_SHAPE).astype(np.float32)})[0][0]


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the last axis of logits / temperature."""
    z = logits / temperature
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    return p / p.sum(axis=-1, keepdims=True)


def clip_logits(sess, mels: list, stats: Stats, starts=None, references=None) -> list:
    """Per clip, the logits [windows, n_labels] of every window (all windows, no speech gate). starts[i]:
    the frames of mels[i] heard before its clip (features.clip_ends); none when omitted. references[i]: the
    shape of its speaker's reference voice (training.reference), or None."""
    normalizer = Normalizer(stats)
    starts = starts or [0] * len(mels)
    references = references or [None] * len(mels)
    return [np.stack([window_logits(sess, w) for w in normalizer.windows(mel, clip_ends(mel.shape[1] - s, s), r)])
            for mel, s, r in zip(mels, starts, references)]


def mean_softmax(logits: list, temperature: float = 1.0) -> np.ndarray:
    """[clips, n_labels]: per clip, the softmax averaged over its windows (the CLI's overall answer)."""
    return np.stack([softmax(w, temperature).mean(axis=0) for w in logits])


def clip_probabilities(sess, mels: list, stats: Stats, starts=None, references=None) -> np.ndarray:
    """[clips, n_labels]: per clip, the softmax averaged over every window (clip_logits)."""
    return mean_softmax(clip_logits(sess, mels, stats, starts, references))


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

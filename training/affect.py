"""Energy (arousal) and pleasantness (valence) from the label probabilities: each label's place on the
circumplex of affect (config.AFFECT_POSITIONS), the probability-weighted mean of those places, and a logistic
map fitted on out-of-fold answers so that each number is the chance the voice sounds energetic (pleasant):
above 0.5 reads high, below low. The runtime computes the same (src/emotion.rs; metadata `affect`)."""
import numpy as np
import scipy.optimize
import scipy.special

from .config import AFFECT_POSITIONS, LABELS

AXES = ("arousal", "valence")
# The maps of a model not yet fitted (a fold model run only to calibrate files and segments): valid, unused.
UNFITTED = {axis: {"slope": 1.0, "centre": 0.5} for axis in AXES}


def positions(axis: str) -> np.ndarray:
    """Each label's place on the axis, in LABELS order."""
    return np.array([AFFECT_POSITIONS[axis][label] for label in LABELS])


def sides(axis: str, labels: np.ndarray) -> tuple:
    """(whether each label index is on the high side, whether it is on either side: the middle, 0.5, is not)."""
    p = positions(axis)[labels]
    return p > 0.5, p != 0.5


def metadata(maps: dict) -> dict:
    """The metadata's `affect`: each label's place on each axis in label order, and the fitted maps."""
    return {"positions": {axis: [float(v) for v in positions(axis)] for axis in AXES},
            **{axis: dict(maps[axis]) for axis in AXES}}


def affect(probabilities: np.ndarray, maps: dict) -> dict:
    """{axis: [n] values in [0, 1]} of probabilities [n, labels] under the fitted maps (metadata `affect`)."""
    out = {}
    for axis in AXES:
        m = maps[axis]
        out[axis] = scipy.special.expit(m["slope"] * (probabilities @ positions(axis) - m["centre"]))
    return out


def fit(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    """The logistic maps (slope, centre) of each axis maximizing the likelihood of the labels' sides."""
    maps = {}
    for axis in AXES:
        high, sided = sides(axis, labels)
        x, t = probabilities[sided] @ positions(axis), np.where(high[sided], 1.0, -1.0)

        def nll(w: np.ndarray) -> float:
            return float(np.mean(np.logaddexp(0.0, -t * w[0] * (x - w[1]))))
        slope, centre = scipy.optimize.minimize(nll, np.array([10.0, 0.5]), method="Nelder-Mead").x
        maps[axis] = {"slope": float(slope), "centre": float(centre)}
    return maps


def balanced_accuracy(probabilities: np.ndarray, labels: np.ndarray, maps: dict) -> dict:
    """{axis: balanced accuracy of high against low} over the clips whose label is on a side of that axis;
    None for an axis whose clips are all on one side."""
    values = affect(probabilities, maps)
    out = {}
    for axis in AXES:
        high, sided = sides(axis, labels)
        said, truth = values[axis][sided] > 0.5, high[sided]
        out[axis] = (float(0.5 * (np.mean(said[truth]) + np.mean(~said[~truth])))
                     if truth.any() and (~truth).any() else None)
    return out

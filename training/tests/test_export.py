"""Export gives [1, 8] logits with no Softmax; the int8 model is QDQ and runs; the MAC budget holds; the trunk
and head cut from a whole model compute it, and the trunk run hop by hop gives the whole window's steps."""
import numpy as np
import onnx
import pytest

from training.config import INPUT_SHAPE, RECIPE, STREAM, WINDOW
from training.evaluate import session
from training.export import cut_trunk_and_head, export_float, quantize
from training.model import EmotionCNN, multiply_adds, window_steps


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    model = EmotionCNN(RECIPE.channels, RECIPE.dropout).eval()
    paths = {"float": tmp / "m.onnx", "int8": tmp / "m-int8.onnx"}
    export_float(model, paths["float"])
    calibration = np.random.default_rng(0).standard_normal((8, *INPUT_SHAPE[2:])).astype(np.float32)
    quantize(paths["float"], paths["int8"], calibration)
    for path in paths.values():
        cut_trunk_and_head(path, path.with_name(path.stem + "-trunk.onnx"), path.with_name(path.stem + "-head.onnx"))
    return paths, calibration


def test_export_and_quantize(exported):
    paths, calibration = exported
    for path in paths.values():
        graph = onnx.load(str(path)).graph
        assert "Softmax" not in {n.op_type for n in graph.node}
        assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim] == list(INPUT_SHAPE)
        out = session(path).run(None, {"input": calibration[:1].reshape(INPUT_SHAPE)})[0]
        assert out.shape == (1, 8)
    assert {"QuantizeLinear", "DequantizeLinear"} <= {n.op_type for n in onnx.load(str(paths["int8"])).graph.node}


def test_trunk_by_hops_equals_whole(exported):
    paths, calibration = exported
    hop, chunk = WINDOW["hop_frames"], WINDOW["hop_frames"] + STREAM["context_frames"]
    x = calibration[1:2].reshape(INPUT_SHAPE)
    for path in paths.values():
        trunk = session(path.with_name(path.stem + "-trunk.onnx"))
        head = session(path.with_name(path.stem + "-head.onnx"))
        steps = trunk.run(None, {"input": x})[0]
        assert steps.shape[3] == window_steps()
        by_hop = np.concatenate([trunk.run(None, {"input": x[..., s:s + chunk]})[0]
                                 for s in range(0, INPUT_SHAPE[3] - chunk + 1, hop)], axis=3)
        np.testing.assert_allclose(by_hop, steps, atol=1e-5)
        whole = session(path).run(None, {"input": x})[0]
        np.testing.assert_allclose(head.run(None, {"steps": steps})[0], whole, atol=1e-5)


def test_multiply_adds_budget():
    assert multiply_adds(EmotionCNN(RECIPE.channels, RECIPE.dropout)) <= 50_000_000

"""Export gives [1, 8] logits with no Softmax; the int8 model is QDQ and runs; the MAC budget holds."""
import numpy as np
import onnx

from training.config import INPUT_SHAPE, RECIPE
from training.evaluate import session
from training.export import export_float, quantize
from training.model import EmotionCNN, multiply_adds


def test_export_and_quantize(tmp_path):
    model = EmotionCNN(RECIPE.channels, RECIPE.dropout, RECIPE.head).eval()
    float_path, int8_path = tmp_path / "m.onnx", tmp_path / "m-int8.onnx"
    export_float(model, float_path)
    calibration = np.random.default_rng(0).standard_normal((8, 64, 300)).astype(np.float32)
    quantize(float_path, int8_path, calibration)
    for path in (float_path, int8_path):
        graph = onnx.load(str(path)).graph
        ops = {n.op_type for n in graph.node}
        assert "Softmax" not in ops
        dims = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
        assert dims == list(INPUT_SHAPE)
        out = session(path).run(None, {"input": calibration[:1].reshape(INPUT_SHAPE)})[0]
        assert out.shape == (1, 8)
    assert {"QuantizeLinear", "DequantizeLinear"} <= {n.op_type for n in onnx.load(str(int8_path)).graph.node}


def test_multiply_adds_budget():
    assert multiply_adds(EmotionCNN(RECIPE.channels, RECIPE.dropout, RECIPE.head)) <= 50_000_000

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


def test_window_norm_graph(tmp_path):
    """In-graph per-window normalization: floor padding is left as is; "mean" and "mean-std" give the real
    frames of each band mean 0; "level" gives the same output whatever the gain; the exported float and int8
    graphs agree with torch."""
    import torch

    from training.config import LOG_FLOOR_DB
    from training.features import normalize, window_at

    rng = np.random.default_rng(0)
    mean, std = rng.uniform(-70, -40, 64).astype(np.float32), rng.uniform(10, 20, 64).astype(np.float32)
    mel = np.maximum(rng.normal(-55, 12, (64, 180)), LOG_FLOOR_DB + 5).astype(np.float32)
    window = normalize(window_at(mel, 0)[None], mean, std)[0]
    louder = normalize(window_at(mel + 7.0, 0)[None], mean, std)[0]
    for mode in ("mean", "mean-std", "level"):
        model = EmotionCNN(RECIPE.channels, RECIPE.dropout, RECIPE.head, mode, mean, std).eval()
        x = torch.from_numpy(window)[None, None]
        y = model.window_norm(x)[0, 0].numpy()
        np.testing.assert_array_equal(y[:, 180:], window[:, 180:])
        y_louder = model.window_norm(torch.from_numpy(louder)[None, None])[0, 0].numpy()
        np.testing.assert_allclose(y_louder[:, :180], y[:, :180], atol=1e-4)
        if mode != "level":
            np.testing.assert_allclose(y[:, :180].mean(axis=1), 0, atol=1e-4)
        float_path, int8_path = tmp_path / f"{mode}.onnx", tmp_path / f"{mode}-int8.onnx"
        export_float(model, float_path)
        quantize(float_path, int8_path, np.stack([window] * 8))
        expected = model(x)[0].detach().numpy()
        for path, tol in ((float_path, 1e-4), (int8_path, 0.1)):
            out = session(path).run(None, {"input": window.reshape(INPUT_SHAPE)})[0][0]
            np.testing.assert_allclose(out, expected, atol=tol)

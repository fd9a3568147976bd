"""ONNX export (logits only, opset 17, TorchScript exporter) and int8 QDQ static quantization,
following the recipe that tract runs correctly (../shared/TOOLCHAIN.md)."""
import copy
import tempfile
from pathlib import Path

import numpy as np
import torch
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quant_pre_process,
                                      quantize_static)

from .config import INPUT_SHAPE, ONNX_OPSET

INPUT_NAME, OUTPUT_NAME = "input", "logits"


def export_float(model: torch.nn.Module, path: Path) -> None:
    """Write the float model: input [1, 1, n_mels, frames], output [1, n_labels] logits (no Softmax)."""
    model = copy.deepcopy(model).to(memory_format=torch.contiguous_format).eval()
    torch.onnx.export(model, (torch.zeros(INPUT_SHAPE),), str(path), input_names=[INPUT_NAME],
                      output_names=[OUTPUT_NAME], opset_version=ONNX_OPSET, dynamo=False)


class _Windows(CalibrationDataReader):
    def __init__(self, windows: np.ndarray):
        self._it = iter(windows)

    def get_next(self):
        w = next(self._it, None)
        return None if w is None else {INPUT_NAME: w.reshape(INPUT_SHAPE).astype(np.float32)}


def quantize(float_path: Path, int8_path: Path, calibration: np.ndarray) -> None:
    """Static int8 QDQ quantization (per-channel weights QInt8, activations QUInt8, Conv and Gemm only),
    calibrated on normalized real feature windows [N, n_mels, frames]."""
    with tempfile.TemporaryDirectory() as tmp:
        prepped = Path(tmp) / "prepped.onnx"
        quant_pre_process(str(float_path), str(prepped))
        quantize_static(str(prepped), str(int8_path), _Windows(calibration),
                        quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["Conv", "Gemm"])

"""ONNX export (logits only, opset 17, TorchScript exporter), int8 QDQ static quantization following the
recipe that tract runs correctly (../shared/TOOLCHAIN.md), and the split of a whole-window model into the
stateful trunk and the head that the runtime drives (models/METADATA.md)."""
import copy
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnx.utils
from onnx import TensorProto, helper, numpy_helper
import torch
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quant_pre_process,
                                      quantize_static)

from .config import INPUT_SHAPE, ONNX_OPSET

INPUT_NAME, OUTPUT_NAME = "input", "logits"
STEPS_NAME = "steps"  # the trunk's output: [1, channels, bands, steps]
WINDOW_NAME = "window_steps"  # the head's input, time-major: [1, steps, channels x bands]


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
        quant_pre_process(str(float_path), str(prepped), skip_optimization=True)
        quantize_static(str(prepped), str(int8_path), _Windows(calibration),
                        quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["Conv", "Gemm"])


def cut_points(graph: onnx.GraphProto) -> tuple:
    """The trunk's output and the head's input. The head's input is the tensor its mean over the steps reads
    (the graph's one ReduceMean); the trunk's output is the tensor that only changes of layout (reshape,
    transpose) turn into it, which the runtime does itself as it keeps each step (model.time_major)."""
    (window,) = [n.input[0] for n in graph.node if n.op_type == "ReduceMean"]
    producers = {o: n for n in graph.node for o in n.output}
    steps = window
    while producers[steps].op_type in ("Reshape", "Transpose"):
        steps = producers[steps].input[0]
    return steps, window


def cut_trunk_and_head(whole: Path, trunk: Path, head: Path) -> None:
    """Cut a whole-window model (float or int8) into the stateful trunk (frames -> steps, any multiple of
    `step_frames` frames: the time dimension is symbolic; see `add_state`) and the head (a window's steps,
    time-major -> logits), the same operations and quantization parameters as the whole."""
    with tempfile.TemporaryDirectory() as tmp:
        named = Path(tmp) / "named.onnx"
        model = onnx.load(str(whole))
        cut = cut_points(model.graph)
        inferred = onnx.shape_inference.infer_shapes(model).graph.value_info
        _, channels, bands, steps = [[d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred
                                     if v.name == cut[0]][0]
        names = dict(zip(cut, (STEPS_NAME, WINDOW_NAME)))
        for node in model.graph.node:
            node.input[:] = [names.get(i, i) for i in node.input]
            node.output[:] = [names.get(o, o) for o in node.output]
        onnx.save(model, str(named))
        onnx.utils.extract_model(str(named), str(trunk), [INPUT_NAME], [STEPS_NAME])
        onnx.utils.extract_model(str(named), str(head), [WINDOW_NAME], [OUTPUT_NAME])
    model = onnx.load(str(trunk))
    model.graph.input[0].type.tensor_type.shape.dim[3].dim_param = "frames"
    model.graph.output[0].type.tensor_type.shape.dim[3].dim_param = "steps"
    model = add_state(model)
    onnx.checker.check_model(model)
    onnx.save(model, str(trunk))
    model = onnx.load(str(head))
    del model.graph.input[0].type.tensor_type.shape.dim[:]
    model.graph.input[0].type.tensor_type.shape.dim.extend(
        onnx.TensorShapeProto.Dimension(dim_value=d) for d in (1, steps, channels * bands))
    onnx.checker.check_model(model)
    onnx.save(model, str(head))


def add_state(model: onnx.ModelProto) -> onnx.ModelProto:
    """Give a time-valid trunk the memory that lets it run on each hop's new frames only: every layer that
    looks back in time (a time kernel longer than its time stride, `kernel - stride` frames) gets its input's
    last frames from the previous call prepended (input `state.K`, shaped [1, channels, bands, frames]) and
    hands its input's last frames to the next call (output `state.K.next`, the same shape). Inputs and
    outputs after the first are the state, in pairs; silence before a stream gives the first state (the
    runtime primes it with silent frames). The layers compute what they did; only their inputs are longer."""
    graph = model.graph
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in onnx.shape_inference.infer_shapes(model).graph.value_info}
    shapes[INPUT_NAME] = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    nodes, k = [], 0
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type in ("Conv", "MaxPool", "AveragePool"):
            stride = (attrs.get("strides") or [1, 1])[-1]
            pads = attrs.get("pads") or [0, 0, 0, 0]
            if "kernel_shape" not in attrs or (attrs.get("dilations") or [1, 1])[-1] != 1:
                raise ValueError(f"{node.name}: the trunk's layers need a kernel_shape and no dilation in time")
            if pads[1] or pads[3] or attrs.get("auto_pad", b"NOTSET") != b"NOTSET":
                raise ValueError(f"{node.name} pads in time: the trunk must be valid in time")
            context = attrs["kernel_shape"][-1] - stride
            if context > 0:
                x = node.input[0]
                _, channels, bands, _ = shapes[x]
                state, joined, starts = f"state.{k}", f"{x}.with_state", f"state.{k}.starts"
                graph.initializer.extend([numpy_helper.from_array(np.array(v, np.int64), n) for n, v in
                                          ((starts, [-context]), (f"{starts}.end", [2**62]), (f"{starts}.axis", [3]))])
                nodes += [helper.make_node("Concat", [state, x], [joined], axis=3),
                          helper.make_node("Slice", [joined, starts, f"{starts}.end", f"{starts}.axis"],
                                           [f"{state}.next"])]
                node.input[0] = joined
                shape = [1, channels, bands, context]
                graph.input.append(helper.make_tensor_value_info(state, TensorProto.FLOAT, shape))
                graph.output.append(helper.make_tensor_value_info(f"{state}.next", TensorProto.FLOAT, shape))
                k += 1
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.value_info[:]
    return model


"""Build EfficientNet-Lite0 as an ONNX graph from its weights, so no PyTorch is ever needed.

The architecture is Google's TF-Lite one: a 3×3 stride-2 stem, sixteen inverted-residual blocks
without squeeze-and-excitation, a 1×1 head to 1280 channels, ReLU6 throughout, TensorFlow "SAME"
padding (the odd pixel goes bottom/right). Batch norm (eps 1e-3) is folded into each convolution
at build time, so the graph is convolutions, clips and adds — what ONNX Runtime fuses best.

The graph takes ``uint8`` NHWC pixels (the 224×224 centre crop) and normalises them itself.
Outputs: ``features`` — the global-average-pooled 1280-d vector, our embedding — and, when asked,
``logits`` over the 1000 ImageNet classes, which the tests use to prove the weights are wired right.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

from vitrina.embedding.effnet import BUILDER_VERSION, FEATURE_DIM
from vitrina.embedding.preprocess import CROP_SIZE, PIXEL_MEAN, PIXEL_STD

OPSET = 17
BN_EPSILON = 1e-3
NUM_CLASSES = 1000


@dataclass(frozen=True)
class Stage:
    repeats: int
    kernel: int
    stride: int
    expand: int
    in_ch: int
    out_ch: int


# EfficientNet-Lite0 (width = depth = 1.0): the stages of Google's builder.
LITE0_STAGES: tuple[Stage, ...] = (
    Stage(1, 3, 1, 1, 32, 16),
    Stage(2, 3, 2, 6, 16, 24),
    Stage(2, 5, 2, 6, 24, 40),
    Stage(3, 3, 2, 6, 40, 80),
    Stage(3, 5, 1, 6, 80, 112),
    Stage(4, 5, 2, 6, 112, 192),
    Stage(1, 3, 1, 6, 192, 320),
)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "SAME" padding (before, after) for one spatial dimension."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class _GraphBuilder:
    """Accumulates nodes and initializers; names are generated so call sites stay readable."""

    def __init__(self, weights: Mapping[str, NDArray[Any]]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def _name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, hint: str, value: NDArray[Any]) -> str:
        name = self._name(hint)
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], hint: str, **attrs: Any) -> str:
        out = self._name(hint)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv_bn(
        self,
        x: str,
        size: int,
        conv: str,
        bn: str,
        *,
        stride: int = 1,
        groups: int = 1,
        relu6: bool = True,
    ) -> tuple[str, int]:
        """Convolution with its batch norm folded in, SAME padding, optional ReLU6."""
        w = self.weights[f"{conv}.weight"].astype(np.float64)
        gamma = self.weights[f"{bn}.weight"].astype(np.float64)
        beta = self.weights[f"{bn}.bias"].astype(np.float64)
        mean = self.weights[f"{bn}.running_mean"].astype(np.float64)
        var = self.weights[f"{bn}.running_var"].astype(np.float64)
        scale = gamma / np.sqrt(var + BN_EPSILON)
        folded_w = (w * scale[:, None, None, None]).astype(np.float32)
        folded_b = (beta - mean * scale).astype(np.float32)
        kernel = w.shape[-1]
        before, after = same_padding(size, kernel, stride)
        y = self.node(
            "Conv",
            [x, self.const(f"{conv}.w", folded_w), self.const(f"{conv}.b", folded_b)],
            conv.replace(".", "/"),
            kernel_shape=[kernel, kernel],
            strides=[stride, stride],
            pads=[before, before, after, after],
            group=groups,
        )
        if relu6:
            y = self.node("Clip", [y, self._zero, self._six], "relu6")
        return y, math.ceil(size / stride)

    def build(self, *, with_logits: bool) -> onnx.ModelProto:
        self._zero = self.const("zero", np.array(0.0, dtype=np.float32))
        self._six = self.const("six", np.array(6.0, dtype=np.float32))

        x = self.node("Cast", ["image"], "float", to=TensorProto.FLOAT)
        x = self.node("Sub", [x, self.const("mean", np.array(PIXEL_MEAN, np.float32))], "centre")
        x = self.node("Mul", [x, self.const("scale", np.array(1 / PIXEL_STD, np.float32))], "norm")
        x = self.node("Transpose", [x], "nchw", perm=[0, 3, 1, 2])

        size = CROP_SIZE
        x, size = self.conv_bn(x, size, "_conv_stem", "_bn0", stride=2)
        index = 0
        for stage in LITE0_STAGES:
            for repeat in range(stage.repeats):
                in_ch = stage.in_ch if repeat == 0 else stage.out_ch
                stride = stage.stride if repeat == 0 else 1
                x, size = self._block(x, size, index, stage, in_ch, stride)
                index += 1
        x, size = self.conv_bn(x, size, "_conv_head", "_bn1")
        pooled = self.node("GlobalAveragePool", [x], "pool")
        features = "features"
        self.nodes.append(helper.make_node("Flatten", [pooled], [features], axis=1))

        batch: str = "batch"
        outputs = [helper.make_tensor_value_info(features, TensorProto.FLOAT, [batch, FEATURE_DIM])]
        if with_logits:
            fc_w = self.const("fc.w", self.weights["_fc.weight"].astype(np.float32))
            fc_b = self.const("fc.b", self.weights["_fc.bias"].astype(np.float32))
            self.nodes.append(
                helper.make_node("Gemm", [features, fc_w, fc_b], ["logits"], transB=1)
            )
            outputs.append(
                helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, NUM_CLASSES])
            )
        shape: list[str | int | None] = [batch, CROP_SIZE, CROP_SIZE, 3]
        inputs = [helper.make_tensor_value_info("image", TensorProto.UINT8, shape)]
        graph = helper.make_graph(
            self.nodes, "efficientnet_lite0", inputs, outputs, self.initializers
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="vitrina",
            producer_version=BUILDER_VERSION,
        )
        model.ir_version = 8  # readable by every onnxruntime >= 1.14
        onnx.checker.check_model(model)
        return model

    def _block(
        self, x: str, size: int, index: int, stage: Stage, in_ch: int, stride: int
    ) -> tuple[str, int]:
        prefix = f"_blocks.{index}"
        inputs = x
        if stage.expand != 1:
            x, size = self.conv_bn(x, size, f"{prefix}._expand_conv", f"{prefix}._bn0")
        hidden = in_ch * stage.expand
        x, size = self.conv_bn(
            x, size, f"{prefix}._depthwise_conv", f"{prefix}._bn1", stride=stride, groups=hidden
        )
        x, size = self.conv_bn(x, size, f"{prefix}._project_conv", f"{prefix}._bn2", relu6=False)
        if stride == 1 and in_ch == stage.out_ch:
            x = self.node("Add", [x, inputs], "skip")
        return x, size


def build_effnet_lite0(
    weights: Mapping[str, NDArray[Any]], *, with_logits: bool = False
) -> onnx.ModelProto:
    """The EfficientNet-Lite0 ONNX model for a state dict read by :mod:`torch_legacy`."""
    return _GraphBuilder(weights).build(with_logits=with_logits)

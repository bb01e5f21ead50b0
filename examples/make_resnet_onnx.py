#!/usr/bin/env python3
"""Writes the ResNets (and the larger CNN) the engine benchmark runs, as ONNX graphs shaped like torch.onnx.export's
(opset 17, input `image` NCHW with a dynamic `batch` axis, output `logits`, BatchNorm folded into
the convolutions as the exporter does in eval mode: only Conv, Relu, Add, MaxPool,
GlobalAveragePool, Flatten and Gemm nodes).

The weights are UNTRAINED: He-normal with a fixed seed (numpy's default_rng(SEED)), biases zero,
and the last block's second convolution of every residual branch scaled by 0.1 so activations stay
in range through the residual sums. They are for speed only; accuracy on Fashion-MNIST is chance.
Building the graph with the `onnx` package instead of exporting from torch keeps the benchmark's
virtual environment small (onnx + numpy, no torch wheel).

    python3 examples/make_resnet_onnx.py small examples/models/fmnist_resnet_small.onnx
    python3 examples/make_resnet_onnx.py resnet50 .build/bench/resnet50.onnx
    python3 examples/make_resnet_onnx.py cnn5 .build/bench/fmnist_cnn5.onnx

small:    28×28×1 → conv 3×3 ×16 → basic blocks 16, 32 (stride 2), 64 (stride 2) → global
          average pool → Gemm 64×10; ≈ 9.3 M multiply-adds per image, 78 k weights.
cnn5:     the CNN issue 12 measured: 28×28×1 → conv 5×5 ×32 → max pool 2 → conv 5×5 ×64 → max
          pool 2 → Gemm 3136×128 → Gemm 128×10 (padding 2: "same"); ≈ 11 M multiply-adds per image.
resnet50: He et al. 2016 (torchvision's v1.5: stride on the 3×3 of the bottleneck), 224×224×3,
          1000 classes; ≈ 4.1 G multiply-adds per image, 25.5 M weights (≈ 100 MB file).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20261204


class Graph:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, prefix, array):
        n = self.name(prefix)
        self.inits.append(numpy_helper.from_array(array.astype(np.float32), n))
        return n

    def conv(self, x, cin, cout, k, stride=1, gain=1.0):
        fan_in = cin * k * k
        w = self.rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / fan_in) * gain
        b = np.zeros(cout)
        y = self.name("conv")
        p = k // 2
        self.nodes.append(helper.make_node("Conv", [x, self.const("w", w), self.const("b", b)], [y],
                                           kernel_shape=[k, k], strides=[stride, stride], pads=[p, p, p, p]))
        return y

    def op(self, kind, inputs, **attributes):
        y = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [y], **attributes))
        return y

    def relu(self, x):
        return self.op("Relu", [x])

    def dense(self, x, features, outputs, output=None):
        w = self.rng.standard_normal((outputs, features)) * np.sqrt(2.0 / features)
        y = output or self.name("gemm")
        self.nodes.append(helper.make_node("Gemm", [x, self.const("fc_w", w), self.const("fc_b", np.zeros(outputs))],
                                           [y], transB=1))
        return y

    def head(self, x, features, classes):
        x = self.op("GlobalAveragePool", [x])
        x = self.op("Flatten", [x], axis=1)
        w = self.rng.standard_normal((classes, features)) * np.sqrt(1.0 / features)
        self.nodes.append(helper.make_node("Gemm", [x, self.const("fc_w", w), self.const("fc_b", np.zeros(classes))],
                                           ["logits"], transB=1))

    def model(self, name, channels, size):
        image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", channels, size, size])
        logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", None])
        graph = helper.make_graph(self.nodes, name, [image], [logits], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_resnet_onnx.py")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def small():
    g = Graph(SEED)
    x = g.relu(g.conv("image", 1, 16, 3))
    cin = 16
    for cout, stride in [(16, 1), (32, 2), (64, 2)]:
        y = g.relu(g.conv(x, cin, cout, 3, stride))
        y = g.conv(y, cout, cout, 3, 1, gain=0.1)
        shortcut = x if (cin, stride) == (cout, 1) else g.conv(x, cin, cout, 1, stride)
        x = g.relu(g.op("Add", [y, shortcut]))
        cin = cout
    g.head(x, 64, 10)
    return g.model("fmnist_resnet_small", 1, 28)


def cnn5():
    g = Graph(SEED)
    x = g.relu(g.conv("image", 1, 32, 5))
    x = g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = g.relu(g.conv(x, 32, 64, 5))
    x = g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = g.op("Flatten", [x], axis=1)
    x = g.relu(g.dense(x, 3136, 128))
    g.dense(x, 128, 10, output="logits")
    return g.model("fmnist_cnn5", 1, 28)


def resnet50():
    g = Graph(SEED)
    x = g.relu(g.conv("image", 3, 64, 7, 2))
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
        for b in range(blocks):
            stride = 2 if b == 0 and stage > 0 else 1
            y = g.relu(g.conv(x, cin, width, 1))
            y = g.relu(g.conv(y, width, width, 3, stride))
            y = g.conv(y, width, width * 4, 1, gain=0.1)
            shortcut = g.conv(x, cin, width * 4, 1, stride) if b == 0 else x
            x = g.relu(g.op("Add", [y, shortcut]))
            cin = width * 4
    g.head(x, 2048, 1000)
    return g.model("resnet50_sized", 3, 224)


if __name__ == "__main__":
    makers = {"small": small, "cnn5": cnn5, "resnet50": resnet50}
    if len(sys.argv) != 3 or sys.argv[1] not in makers:
        sys.exit("usage: make_resnet_onnx.py small|cnn5|resnet50 OUTPUT.onnx")
    model = makers[sys.argv[1]]()
    onnx.save(model, sys.argv[2])
    print(f"wrote {sys.argv[2]}: {sum(np.prod(i.dims) for i in model.graph.initializer):,} weights")

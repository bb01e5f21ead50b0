#!/usr/bin/env python3
"""Writes the ONNX test fixtures into examples/fixtures/onnx/.

Every numeric fixture NAME.onnx comes with NAME.in.npy (float32, a batch of 3, in exactly the layout
the graph input declares) and NAME.out.npy (onnxruntime's float32 output for the first graph output);
a data-driven conformance test runs every such triple through the Imprint engine.
Malformed models go to bad/ without .npy files. Weights are random but seeded, so reruns are stable.

Needs: numpy, onnx, onnxruntime; optionally torch (TorchScript exporter) and tensorflow + tf2onnx.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "onnx")
BAD = os.path.join(OUT, "bad")
RNG = np.random.default_rng(20240611)
BATCH = 3


def w(*shape, scale=0.5):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def make_model(name, nodes, inputs, outputs, inits, opset=13, ir=10):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="imprint-fixtures")
    model.ir_version = ir
    return model


def fin(name, shape):
    """A float input whose first axis is a symbolic batch."""
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch"] + list(shape))


def fout(name):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, None)


def save(name, model, input_shape, folder=OUT, check=False):
    """Saves the model and, for numeric fixtures, its input batch and onnxruntime's output."""
    path = os.path.join(folder, name + ".onnx")
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, path)
    if input_shape is None:
        return
    x = RNG.standard_normal((BATCH,) + tuple(input_shape)).astype(np.float32)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    y = session.run(None, {session.get_inputs()[0].name: x})[0].astype(np.float32)
    np.save(os.path.join(folder, name + ".in.npy"), x)
    np.save(os.path.join(folder, name + ".out.npy"), y)


def node(op, inputs, outputs, name="", **attrs):
    return helper.make_node(op, inputs, outputs, name=name, **attrs)


# --- hand-built graphs -------------------------------------------------------------------------

def gemm_fixtures():
    # transB=1 with alpha/beta folded into the weights and bias; Gemm without C and transB=0.
    nodes = [
        node("Gemm", ["x", "W1", "C1"], ["h"], "fc1", transB=1, alpha=0.5, beta=2.0),
        node("Relu", ["h"], ["r"], "relu"),
        node("Gemm", ["r", "W2"], ["y"], "fc2", alpha=1.5),
    ]
    inits = [init("W1", w(5, 4)), init("C1", w(5)), init("W2", w(5, 3))]
    save("gemm", make_model("gemm", nodes, [fin("x", [4])], [fout("y")], inits), [4])

    # MatMul + Add(const) fused into dense; the second Add has the constant first; Softmax opset 13.
    nodes = [
        node("MatMul", ["x", "W1"], ["m1"], "mm1"),
        node("Add", ["m1", "b1"], ["a1"], "add1"),
        node("Tanh", ["a1"], ["t"], "tanh"),
        node("MatMul", ["t", "W2"], ["m2"], "mm2"),
        node("Add", ["b2", "m2"], ["a2"], "add2"),
        node("Softmax", ["a2"], ["y"], "softmax", axis=-1),
    ]
    inits = [init("W1", w(6, 5)), init("b1", w(5)), init("W2", w(5, 4)), init("b2", w(4))]
    save("matmul_add", make_model("matmul_add", nodes, [fin("x", [6])], [fout("y")], inits), [6])

    # The Add's MatMul output is also read elsewhere, so it must not be fused.
    nodes = [
        node("MatMul", ["x", "W1"], ["m1"], "mm"),
        node("Add", ["m1", "b1"], ["a1"], "add"),
        node("Mul", ["m1", "a1"], ["y"], "mul"),
    ]
    inits = [init("W1", w(4, 3)), init("b1", w(3))]
    save("matmul_shared", make_model("matmul_shared", nodes, [fin("x", [4])], [fout("y")], inits), [4])


def conv_fixtures():
    nodes = [
        node("Conv", ["x", "K1", "B1"], ["c1"], "same_upper", kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        node("Conv", ["c1", "K2"], ["c2"], "same_lower", kernel_shape=[2, 2], auto_pad="SAME_LOWER"),
        node("Conv", ["c2", "K3", "B3"], ["c3"], "group_dilated", group=2, dilations=[2, 2], pads=[1, 2, 2, 1]),
        node("Conv", ["c3", "K4", "B4"], ["c4"], "depthwise", group=4, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("Conv", ["c4", "K5"], ["y"], "valid", auto_pad="VALID", strides=[1, 2]),
    ]
    inits = [
        init("K1", w(6, 3, 3, 3)), init("B1", w(6)),
        init("K2", w(4, 6, 2, 2)),
        init("K3", w(4, 2, 3, 3)), init("B3", w(4)),
        init("K4", w(4, 1, 3, 3)), init("B4", w(4)),
        init("K5", w(5, 4, 2, 2)),
    ]
    save("conv_variants", make_model("conv_variants", nodes, [fin("x", [3, 11, 10])], [fout("y")], inits), [3, 11, 10])


def bn_activation_fixtures():
    c = 4
    mean, var = w(c), (RNG.random(c) + 0.5).astype(np.float32)
    nodes = [
        node("Conv", ["x", "K"], ["c"], "conv", pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"], "bn", epsilon=1e-3),
        node("LeakyRelu", ["bn"], ["l"], "leaky", alpha=0.2),
        node("Clip", ["l", "lo", "hi"], ["cl"], "clip"),
        node("Elu", ["cl"], ["e"], "elu", alpha=0.7),
        node("HardSigmoid", ["e"], ["hs"], "hsig", alpha=0.3, beta=0.4),
        node("Mul", ["hs", "three"], ["m"], "scale"),
        node("Softplus", ["m"], ["sp"], "softplus"),
        node("Clip", ["sp", "", "hi"], ["y"], "clip_max_only"),
    ]
    inits = [init("K", w(c, 2, 3, 3)), init("gamma", w(c) + 1), init("beta", w(c)), init("mean", mean),
             init("var", var), init("lo", np.float32(-0.5)), init("hi", np.float32(1.5)),
             init("three", np.float32(3.0))]
    save("bn_activations", make_model("bn_activations", nodes, [fin("x", [2, 5, 5])], [fout("y")], inits), [2, 5, 5])

    # Clip with attributes (opset 10) and ReLU6 from Clip(0, 6).
    nodes = [
        node("Clip", ["x"], ["a"], "clip_attr", min=-0.3, max=0.8),
        node("MatMul", ["a", "W"], ["g"], "fc"),
        node("Clip", ["g"], ["y"], "relu6", min=0.0, max=6.0),
    ]
    save("clip_opset10", make_model("clip_opset10", nodes, [fin("x", [4])], [fout("y")], [init("W", w(4, 3, scale=3))], opset=10, ir=5), [4])


def pool_fixtures():
    nodes = [
        node("MaxPool", ["x"], ["p1"], "max_ceil", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
        node("AveragePool", ["p1"], ["p2"], "avg_incl", kernel_shape=[2, 2], pads=[1, 0, 0, 1], count_include_pad=1),
        node("AveragePool", ["p2"], ["p3"], "avg_excl_ceil", kernel_shape=[2, 2], strides=[2, 2], pads=[0, 1, 1, 0], ceil_mode=1),
        node("MaxPool", ["x"], ["q1"], "max_dilated", kernel_shape=[2, 2], dilations=[2, 2]),
        node("GlobalAveragePool", ["q1"], ["q2"], "gap"),
        node("GlobalMaxPool", ["p3"], ["q3"], "gmp"),
        node("Add", ["q2", "q3"], ["s"], "sum"),
        node("Flatten", ["s"], ["y"], "flatten", axis=1),
    ]
    save("pools", make_model("pools", nodes, [fin("x", [3, 11, 9])], [fout("y")], []), [3, 11, 9])

    nodes = [
        node("AveragePool", ["x"], ["a"], "avg_auto", kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        node("MaxPool", ["a"], ["y"], "max_lower", kernel_shape=[2, 2], auto_pad="SAME_LOWER"),
    ]
    save("pools_autopad", make_model("pools_autopad", nodes, [fin("x", [2, 7, 8])], [fout("y")], []), [2, 7, 8])


def reduce_softmax_fixtures():
    # ReduceMean with axes as attribute (opset 13) keepdims 1 and 0.
    nodes = [
        node("ReduceMean", ["x"], ["m"], "mean_keep", axes=[2, 3], keepdims=1),
        node("Sub", ["x", "m"], ["d"], "center"),
        node("ReduceMean", ["d"], ["y"], "mean_drop", axes=[-1], keepdims=0),
    ]
    save("reducemean_13", make_model("reducemean_13", nodes, [fin("x", [2, 3, 4])], [fout("y")], []), [2, 3, 4])

    # Opset 18: axes as an input.
    nodes = [
        node("ReduceMean", ["x", "axes"], ["m"], "mean_keep", keepdims=1),
        node("Div", ["x", "m"], ["d"], "ratio"),
        node("ReduceMean", ["d", "axes2"], ["y"], "mean_drop", keepdims=0),
    ]
    inits = [init("axes", np.array([2, 3], np.int64)), init("axes2", np.array([1], np.int64))]
    save("reducemean_18", make_model("reducemean_18", nodes, [fin("x", [2, 3, 4])], [fout("y")], inits, opset=18), [2, 3, 4])

    # Opset 11 Softmax: "coerce to 2-D at axis", over all of C·H·W when axis = 1.
    nodes = [node("Softmax", ["x"], ["y"], "softmax_coerced", axis=1)]
    save("softmax_11_coerced", make_model("softmax_11_coerced", nodes, [fin("x", [2, 3, 4])], [fout("y")], [], opset=11, ir=6), [2, 3, 4])
    nodes = [node("Gemm", ["x", "W"], ["g"], "fc"), node("Softmax", ["g"], ["y"], "softmax")]
    save("softmax_11_last", make_model("softmax_11_last", nodes, [fin("x", [4])], [fout("y")], [init("W", w(4, 5))], opset=11, ir=6), [4])


def gelu_fixtures():
    # Erf-GELU as older torch exporters emit it (two node orders), Swish x·sigmoid(x), Gelu op (opset 20).
    nodes = [
        node("MatMul", ["x", "W1"], ["h"], "fc1"),
        node("Div", ["h", "sqrt2"], ["d"], "div"),
        node("Erf", ["d"], ["e"], "erf"),
        node("Add", ["e", "one"], ["a"], "add_one"),
        node("Mul", ["h", "a"], ["m"], "mul_x"),
        node("Mul", ["m", "half"], ["g1"], "mul_half"),
        node("MatMul", ["g1", "W2"], ["h2"], "fc2"),
        node("Mul", ["h2", "rsqrt2"], ["d2"], "mul_rsqrt2"),
        node("Erf", ["d2"], ["e2"], "erf2"),
        node("Add", ["one", "e2"], ["a2"], "add_one2"),
        node("Mul", ["half", "h2"], ["hh"], "half_x"),
        node("Mul", ["hh", "a2"], ["g2"], "mul2"),
        node("Sigmoid", ["g2"], ["s"], "sigmoid"),
        node("Mul", ["g2", "s"], ["y"], "swish"),
    ]
    inits = [init("W1", w(4, 6)), init("W2", w(6, 5)), init("sqrt2", np.float32(np.sqrt(2))),
             init("rsqrt2", np.float32(1 / np.sqrt(2))), init("one", np.float32(1)), init("half", np.float32(0.5))]
    save("gelu_erf", make_model("gelu_erf", nodes, [fin("x", [4])], [fout("y")], inits), [4])

    nodes = [node("MatMul", ["x", "W"], ["h"], "fc"), node("Gelu", ["h"], ["y"], "gelu")]
    save("gelu_20", make_model("gelu_20", nodes, [fin("x", [4])], [fout("y")], [init("W", w(4, 3))], opset=20), [4])


def shape_fixtures():
    # The constant-folding exporters leave: Shape→Gather→Unsqueeze→Concat→Reshape, Cast, Slice,
    # ConstantOfShape, integer arithmetic; plus Transpose, Squeeze/Unsqueeze, Concat, Dropout, Identity.
    nodes = [
        node("Identity", ["x"], ["xi"], "alias"),
        node("Shape", ["xi"], ["shp"], "shape"),
        node("Gather", ["shp", "zero"], ["n"], "gather_batch", axis=0),
        node("Unsqueeze", ["n", "axes0"], ["n1"], "unsq_batch"),
        node("Slice", ["shp", "s_start", "s_end"], ["c"], "slice_c"),
        node("Mul", ["c", "nine64"], ["hw2"], "c_times_hw"),
        node("Cast", ["hw2"], ["hw2c"], "cast", to=TensorProto.INT64),
        node("Concat", ["n1", "hw2c"], ["target"], "concat_shape", axis=0),
        node("Reshape", ["xi", "target"], ["flat"], "reshape"),
        node("Constant", [], ["cb"], "const_bias", value=init("cbv", w(18))),
        node("Add", ["flat", "cb"], ["fb"], "add_const"),
        node("Unsqueeze", ["fb", "axes1"], ["u"], "unsqueeze"),
        node("Transpose", ["u"], ["ut"], "transpose", perm=[0, 2, 1]),
        node("Squeeze", ["ut", "axes2"], ["sq"], "squeeze"),
        node("Dropout", ["sq"], ["dr"], "dropout"),
        node("ConstantOfShape", ["cs_shape"], ["ones"], "ones", value=init("v", np.array([0.25], np.float32))),
        node("Sub", ["dr", "ones"], ["sb"], "sub_const"),
        node("Concat", ["sb", "dr"], ["cat"], "concat", axis=1),
        node("Div", ["cat", "four"], ["y"], "div_const"),
    ]
    inits = [init("zero", np.array(0, np.int64)), init("axes0", np.array([0], np.int64)),
             init("s_start", np.array([1], np.int64)), init("s_end", np.array([2], np.int64)),
             init("nine64", np.array([9], np.int64)), init("axes1", np.array([1], np.int64)),
             init("axes2", np.array([2], np.int64)), init("cs_shape", np.array([18], np.int64)),
             init("four", np.float32(4))]
    save("shape_ops", make_model("shape_ops", nodes, [fin("x", [2, 3, 3])], [fout("y")], inits), [2, 3, 3])

    # Tensor-tensor arithmetic between branches, a 4-D transpose and channel concat.
    nodes = [
        node("Conv", ["x", "K"], ["a"], "conv_a"),
        node("Sigmoid", ["x"], ["b"], "sig"),
        node("Mul", ["a", "b"], ["m"], "gate"),
        node("Sub", ["m", "x"], ["s"], "residual"),
        node("Div", ["s", "den"], ["d"], "scale"),
        node("Concat", ["d", "x"], ["c"], "concat_c", axis=1),
        node("Transpose", ["c"], ["t"], "nhwc", perm=[0, 2, 3, 1]),
        node("Flatten", ["t"], ["y"], "flatten"),
    ]
    save("elementwise", make_model("elementwise", nodes, [fin("x", [2, 3, 3])], [fout("y")],
                                   [init("K", w(2, 2, 1, 1)), init("den", (RNG.random((2, 1, 1)) + 1).astype(np.float32))]),
         [2, 3, 3])


def external_data_fixture():
    nodes = [node("Gemm", ["x", "W", "b"], ["h"], "fc", transB=1), node("Relu", ["h"], ["y"], "relu")]
    model = make_model("external_data", nodes, [fin("x", [8])], [fout("y")], [init("W", w(6, 8)), init("b", w(6))])
    onnx.save_model(model, os.path.join(OUT, "external_data.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external_data.bin", size_threshold=0)
    save("external_data", onnx.load(os.path.join(OUT, "external_data.onnx"), load_external_data=False), [8], check=False)


# --- malformed models --------------------------------------------------------------------------

def bad_fixtures():
    x = [fin("x", [4])]

    def gemm(weight):
        return make_model("bad", [node("Gemm", ["x", "W"], ["y"], "fc")], x, [fout("y")], [weight])

    save("unknown_op", make_model("bad", [node("FancyOp", ["x"], ["y"], "fancy")], x, [fout("y")], []), None, BAD, check=False)
    save("custom_domain", make_model("bad", [node("Relu", ["x"], ["y"], "relu", domain="com.example")], x, [fout("y")], []),
         None, BAD, check=False)
    save("int8_weight", gemm(init("W", RNG.integers(-5, 5, (4, 3)).astype(np.int8))), None, BAD)
    save("string_weight", gemm(helper.make_tensor("W", TensorProto.STRING, [1], [b"hi"])), None, BAD, check=False)
    nan = w(4, 3)
    nan[1, 2] = np.nan
    save("nan_weight", gemm(init("W", nan)), None, BAD)
    save("missing_initializer", make_model("bad", [node("Gemm", ["x", "W"], ["y"], "fc")], x, [fout("y")], []), None, BAD, check=False)
    def bare(dims, raw=b""):
        """A tensor built field by field, so its dims can lie about its data."""
        t = TensorProto(name="W", data_type=TensorProto.FLOAT, raw_data=raw)
        t.dims.extend(dims)
        return t

    huge = bare([1 << 40, 1 << 30])
    save("huge_dims", gemm(huge), None, BAD, check=False)
    short = bare([4, 3], np.zeros(5, np.float32).tobytes())
    save("raw_length", gemm(short), None, BAD, check=False)
    neg = bare([-4, 3])
    save("negative_dims", gemm(neg), None, BAD, check=False)
    save("gemm_transa", make_model("bad", [node("Gemm", ["x", "W"], ["y"], "fc", transA=1)], x, [fout("y")],
                                   [init("W", w(4, 3))]), None, BAD, check=False)
    save("conv3d", make_model("bad", [node("Conv", ["x", "K"], ["y"], "conv3d")], [fin("x", [1, 4, 4, 4])], [fout("y")],
                              [init("K", w(2, 1, 2, 2, 2))]), None, BAD, check=False)
    save("bn_training", make_model("bad", [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], "bn", training_mode=1)],
                                   [fin("x", [2, 3, 3])], [fout("y")],
                                   [init(n, np.ones(2, np.float32)) for n in "sbmv"], opset=15), None, BAD, check=False)

    def external(name, location, offset=None, length=None):
        t = bare([4, 3])
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        entries = {"location": location}
        if offset is not None:
            entries["offset"] = str(offset)
        if length is not None:
            entries["length"] = str(length)
        for k, v in entries.items():
            e = t.external_data.add()
            e.key, e.value = k, v
        save(name, gemm(t), None, BAD, check=False)

    with open(os.path.join(BAD, "weights.bin"), "wb") as f:
        f.write(np.zeros(12, np.float32).tobytes())
    external("external_escape", "../../etc/passwd")
    external("external_absolute", "/etc/passwd")
    external("external_missing", "no_such_file.bin")
    external("external_offset", "weights.bin", offset=40, length=48)
    external("external_length", "weights.bin", offset=0, length=24)


# --- real exports ------------------------------------------------------------------------------

def torch_fixtures():
    try:
        import torch
        from torch import nn
    except ImportError:
        print("torch not installed: skipping torch exports", file=sys.stderr)
        return
    torch.manual_seed(7)

    def randomise_bn(model):
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.3, 0.3)
        return model.eval()

    cnn = randomise_bn(nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), nn.BatchNorm2d(6), nn.ReLU6(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5), nn.Softmax(dim=1)))
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.GELU(), nn.Dropout(0.1), nn.Linear(16, 8),
                        nn.SiLU(), nn.Linear(8, 3)).eval()

    for name, model, shape in [("torch_cnn", cnn, (1, 8, 8)), ("torch_mlp", mlp, (3, 4))]:
        for opset in (13, 17):
            path = os.path.join(OUT, f"{name}_opset{opset}.onnx")
            # The dynamo exporter needs onnxscript; the TorchScript exporter is what most files in the wild use.
            torch.onnx.export(model, torch.zeros((2,) + shape), path, opset_version=opset, dynamo=False,
                              input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
            save(f"{name}_opset{opset}", onnx.load(path), shape)


def keras_fixture():
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        import tf2onnx
    except ImportError:
        print("tensorflow/tf2onnx not installed: skipping the Keras export", file=sys.stderr)
        return
    tf.random.set_seed(3)
    inputs = tf.keras.Input((6, 6, 2), name="image")
    h = tf.keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    h = tf.keras.layers.BatchNormalization()(h)
    h = tf.keras.layers.MaxPooling2D()(h)
    h = tf.keras.layers.Flatten()(h)
    outputs = tf.keras.layers.Dense(3, activation="softmax")(h)
    model = tf.keras.Model(inputs, outputs)
    bn = model.layers[2]
    bn.set_weights([np.linspace(0.5, 1.5, 4, dtype=np.float32), np.linspace(-0.2, 0.2, 4, dtype=np.float32),
                    np.linspace(-0.3, 0.3, 4, dtype=np.float32), np.linspace(0.5, 2.0, 4, dtype=np.float32)])
    spec = (tf.TensorSpec((None, 6, 6, 2), tf.float32, name="image"),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=13)
    save("keras_cnn_tf2onnx", proto, (6, 6, 2))


if __name__ == "__main__":
    os.makedirs(BAD, exist_ok=True)
    gemm_fixtures()
    conv_fixtures()
    bn_activation_fixtures()
    pool_fixtures()
    reduce_softmax_fixtures()
    gelu_fixtures()
    shape_fixtures()
    external_data_fixture()
    bad_fixtures()
    torch_fixtures()
    keras_fixture()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote fixtures to {OUT} ({total / 1024:.0f} KiB)")

#!/usr/bin/env python3
"""Cross-checks `imprint infer` against the real frameworks on freshly exported models.

Unlike the committed fixtures, the models here are built and exported on the spot by the installed
Keras 2 (tf_keras), Keras 3, PyTorch (torch.onnx.export) and tf2onnx, so a change in an exporter's
output shows up. For each model it writes a batch of random inputs as .npy, runs
`imprint infer MODEL --data X.npy --output Y.npy`, and compares Y with the framework's own outputs
(max absolute difference must be <= 1e-4).

Usage:  python3 examples/cross_check_frameworks.py [--imprint .build/release/imprint] [--keep DIR]
Needs:  tensorflow-cpu, tf_keras, keras>=3, torch, tf2onnx, onnx, onnxruntime, numpy (developer machines only;
        Imprint itself and CI never run Python).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

TOLERANCE = 1e-4


def run_imprint(imprint, model, x, folder, extra=()):
    data = os.path.join(folder, os.path.basename(model) + ".x.npy")
    out = os.path.join(folder, os.path.basename(model) + ".y.npy")
    np.save(data, x.astype(np.float32))
    cmd = [imprint, "infer", model, "--data", data, "--output", out, *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return np.load(out), None


def keras_models(folder, rng):
    """Keras 2 and Keras 3 models covering functional branches, BN, depthwise/separable, pooling."""
    import tf_keras as k2
    import keras as k3
    made = []
    for tag, K in (("k2", k2), ("k3", k3)):
        L = K.layers
        inp = K.Input((20, 20, 3))
        a = L.Conv2D(8, 3, padding="same", activation="relu")(inp)
        b = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(inp)
        b = L.BatchNormalization()(b)
        b = L.LeakyReLU()(b)
        c = L.Concatenate()([a, b])
        c = L.SeparableConv2D(12, 3, strides=2, activation="swish")(c)
        d = L.AveragePooling2D(2, padding="same")(c)
        e = L.Conv2D(12, 1, dilation_rate=1, activation="tanh")(d)
        f = L.Add()([d, e])
        g = L.GlobalAveragePooling2D()(f)
        # tf2onnx cannot convert Keras 2's erfc-based GELU, and the Keras 2 model feeds tf2onnx below.
        h = L.Dense(16, activation="gelu" if tag == "k3" else "elu")(g)
        out = L.Dense(5, activation="softmax")(h)
        model = K.Model(inp, out)
        for layer in model.layers:
            if isinstance(layer, L.BatchNormalization):
                w = layer.get_weights()
                w[2] = rng.normal(0, 0.3, w[2].shape).astype(np.float32)
                w[3] = rng.uniform(0.5, 2.0, w[3].shape).astype(np.float32)
                layer.set_weights(w)
        x = rng.uniform(0, 1, (6, 20, 20, 3)).astype(np.float32)
        y = model.predict(x, verbose=0)
        path = os.path.join(folder, f"fresh_{tag}.h5")
        model.save(path)
        made.append((path, x, y, ()))
        if tag == "k3":
            kpath = os.path.join(folder, "fresh_k3.keras")
            model.save(kpath)
            made.append((kpath, x, y, ()))
            wpath = os.path.join(folder, "fresh_k3.weights.h5")
            model.save_weights(wpath)
            made.append((wpath, x, y, ("--architecture", kpath)))
        # Sequential with Flatten after convolutions (the NHWC -> NCHW permutation).
        seq = K.Sequential([K.Input((12, 12, 2)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2),
                            L.Flatten(), L.Dropout(0.2), L.Dense(7), L.Softmax()])
        xs = rng.uniform(0, 1, (5, 12, 12, 2)).astype(np.float32)
        spath = os.path.join(folder, f"fresh_seq_{tag}.h5")
        seq.save(spath)
        made.append((spath, xs, seq.predict(xs, verbose=0), ()))
    # tf2onnx of the last Keras 2 functional model.
    try:
        import tensorflow as tf
        import tf2onnx
        model = k2.models.load_model(os.path.join(folder, "fresh_k2.h5"))
        spec = (tf.TensorSpec((None, 20, 20, 3), tf.float32, name="x"),)
        opath = os.path.join(folder, "fresh_tf2onnx.onnx")
        tf2onnx.convert.from_keras(model, input_signature=spec, opset=15, output_path=opath)
        x = rng.uniform(0, 1, (4, 20, 20, 3)).astype(np.float32)
        made.append((opath, x, model.predict(x, verbose=0), ()))
    except Exception as exc:  # noqa: BLE001 - report and go on with the other frameworks
        print(f"tf2onnx: skipped ({exc})")
    return made


def torch_models(folder, rng):
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU6())
            self.left = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4)
            self.right = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False), nn.GELU())
            self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 8 * 8, 32), nn.LeakyReLU(0.1),
                                      nn.Linear(32, 6), nn.Softmax(dim=1))

        def forward(self, x):
            s = self.stem(x)
            y = torch.cat([self.left(s) + s, self.right(s)], dim=1)
            return self.head(self.pool(y))

    torch.manual_seed(7)
    net = Net().eval()
    with torch.no_grad():
        net.stem[1].running_mean.uniform_(-0.5, 0.5)
        net.stem[1].running_var.uniform_(0.5, 2.0)
    made = []
    for opset in (11, 13, 17):
        x = rng.uniform(0, 1, (4, 3, 16, 16)).astype(np.float32)
        path = os.path.join(folder, f"fresh_torch_op{opset}.onnx")
        torch.onnx.export(net, torch.from_numpy(x[:1]), path, opset_version=opset, dynamo=False,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
        with torch.no_grad():
            y = net(torch.from_numpy(x)).numpy()
        made.append((path, x, y, ()))
    return made


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--imprint", default=".build/release/imprint")
    ap.add_argument("--keep", help="folder to keep the exported models in")
    args = ap.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="imprint-xcheck-")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(2026)
    failures = 0
    cases = []
    # Each framework in its own process would be safer; TF and torch coexist for export-only use here.
    cases += torch_models(folder, rng)
    cases += keras_models(folder, rng)
    for path, x, expected, extra in cases:
        got, err = run_imprint(args.imprint, path, x, folder, extra)
        if got is None:
            failures += 1
            print(f"FAIL {os.path.basename(path)}: {err}")
            continue
        diff = float(np.max(np.abs(got.reshape(expected.shape) - expected)))
        ok = diff <= TOLERANCE
        failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(path):28s} max |diff| = {diff:.2e}")
    print(f"{len(cases) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

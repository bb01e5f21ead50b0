#!/usr/bin/env python3
"""Check the committed example models against examples/models/references.json.

For every model file: SHA-256 and size match, the file loads in the framework that
wrote it (onnxruntime for .onnx), its outputs for the first 100 test images match
<file>.ref100.npy (max abs difference <= 1e-5 here; Imprint's tests use 1e-4), the
test accuracy on all 10,000 images matches, and ONNX files run with a batch other
than 1 and 100 (dynamic batch) and carry no external data.

Needs the same packages as train_fashion_mnist.py except torch.
Usage:  python3 examples/verify_models.py [--data DIR] [--models DIR]
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fashion_mnist import (HERE, accuracy, build_keras_cnn, layout_input,  # noqa: E402
                                 load_fashion_mnist, sha256)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--models", default=os.path.join(HERE, "models"))
    args = ap.parse_args()
    _, _, x_test, y_test = load_fashion_mnist(args.data)
    with open(os.path.join(args.models, "references.json")) as f:
        refs = json.load(f)

    import keras
    import onnx
    import onnxruntime as ort
    import tf_keras

    failures = 0
    for fname, e in refs["models"].items():
        p = os.path.join(args.models, fname)
        problems = []
        if sha256(p) != e["sha256"]:
            problems.append("sha256 mismatch")
        if os.path.getsize(p) != e["size_bytes"]:
            problems.append("size mismatch")
        if e["framework"] == "keras2":
            m = tf_keras.models.load_model(p, compile=False)
            predict = lambda x, m=m: m.predict(x, batch_size=500, verbose=0)  # noqa: E731
        elif e["framework"] == "keras3":
            if fname.endswith(".weights.h5"):
                m = build_keras_cnn(keras)
                m.load_weights(p)
            else:
                m = keras.models.load_model(p, compile=False)
            predict = lambda x, m=m: m.predict(x, batch_size=500, verbose=0)  # noqa: E731
        else:
            model = onnx.load(p, load_external_data=False)
            if any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer):
                problems.append("external data")
            sess = ort.InferenceSession(p, providers=["CPUExecutionProvider"])
            iname = sess.get_inputs()[0].name
            predict = lambda x, s=sess, n=iname: s.run(None, {n: x})[0]  # noqa: E731
            out7 = predict(layout_input(x_test[:7], e["input_layout"]))
            if out7.shape != (7, 10):
                problems.append(f"batch 7 gave shape {out7.shape}")
        ref = np.load(os.path.join(args.models, e["ref100"]))
        if ref.dtype != np.float32 or ref.shape != (100, 10):
            problems.append(f"ref100 is {ref.dtype} {ref.shape}")
        out = predict(layout_input(x_test[:100], e["input_layout"]))
        diff = float(np.abs(out - ref).max())
        if diff > 1e-5:
            problems.append(f"ref100 max diff {diff:.2e}")
        acc = round(accuracy(predict(layout_input(x_test, e["input_layout"])), y_test), 4)
        if acc != e["test_accuracy"]:
            problems.append(f"accuracy {acc} != {e['test_accuracy']}")
        if e["outputs"] == "probabilities" and not np.allclose(ref.sum(axis=1), 1, atol=1e-5):
            problems.append("outputs do not sum to 1")
        status = "OK  " if not problems else "FAIL"
        failures += bool(problems)
        print(f"{status} {fname:28s} {e['input_layout']:5s} {e['outputs']:13s} acc {acc:.4f} "
              f"ref100 max diff {diff:.1e} {'; '.join(problems)}", flush=True)
    print("all OK" if not failures else f"{failures} file(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

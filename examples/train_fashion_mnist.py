#!/usr/bin/env python3
"""Train the bundled Fashion-MNIST example models and write their reference results.

What it makes (all under examples/models/):

  Keras (trained once with the Keras 2 API, ``tf_keras``; the trained weights are
  copied into identical Keras 3 models, and every file is written by its own
  framework's saver):
    fmnist_mlp_k2.h5           tf_keras  model.save(".h5")          MLP, input [N,28,28]
    fmnist_cnn_k2.h5           tf_keras  model.save(".h5")          CNN, input [N,28,28,1]
    fmnist_cnn_k3.h5           Keras 3   legacy H5 saver            CNN, input [N,28,28,1]
    fmnist_mlp_k3.keras        Keras 3   native .keras zip          MLP, input [N,28,28]
    fmnist_cnn_k3.keras        Keras 3   native .keras zip          CNN, input [N,28,28,1]
    fmnist_cnn_k3.weights.h5   Keras 3   model.save_weights()       CNN weights only
    fmnist_cnn_tf2onnx.onnx    tf2onnx   from the tf_keras CNN, opset 13, dynamic batch
  PyTorch (exported with the TorchScript-based torch.onnx exporter, dynamo=False):
    fmnist_cnn_torch.onnx      opset 17, input [N,1,28,28], logits
    fmnist_mlp_torch.onnx      opset 13, input [N,1,28,28], logits

  Keras models output softmax probabilities; PyTorch models output logits.

  references.json            per model file: writer framework + version, input layout,
                             output kind, framework-measured top-1 accuracy on all
                             10,000 test images, SHA-256.
  <file name>.ref100.npy     float32 [100, 10]: outputs of the framework (onnxruntime
                             for .onnx) for the first 100 images of
                             t10k-images-idx3-ubyte.gz, in file order.
                             All reference outputs and accuracies are computed from the
                             files *after* reloading them from disk.

Preprocessing: raw IDX uint8 pixels, float32, divided by 255 -> [0, 1]. Nothing else
(no mean/std normalisation). Keras CNN input is NHWC [N,28,28,1]; Keras MLP input is
[N,28,28]; PyTorch models take NCHW [N,1,28,28].

Data: Debian package ``dataset-fashion-mnist`` (/usr/share/datasets/fashion-mnist/),
read with gzip + numpy. Nothing is downloaded.

Run time: about 4.5 minutes on 2 (busy) CPU cores, 3 epochs per model; no GPU needed.

Versions that produced the committed files:
  Python 3.11, tensorflow-cpu 2.21.0, tf_keras 2.21.0, keras 3.15.1 (TensorFlow backend),
  tf2onnx 1.17.0, torch 2.15.0 (CPU), onnx 1.23.2, onnxruntime 1.32.0, h5py 3.14.0,
  numpy 2.4.6.

Seeds are fixed (SEED below) and deterministic ops are requested in both frameworks;
re-running with the same versions on the same kind of CPU should give the same weights,
but bit-identical files across machines/versions are not guaranteed (HDF5 and zip
files also embed metadata). The tests use the committed files, not a re-run.

The Keras/tf2onnx part and the PyTorch part run in two child interpreters (the script
re-invokes itself with --stage keras / --stage torch): with TensorFlow and PyTorch in one
process, torch.use_deterministic_algorithms() aborts with an LLVM option clash.

Usage:  python3 examples/train_fashion_mnist.py [--data DIR] [--out DIR]
"""

import argparse
import gzip
import hashlib
import json
import os
import random
import struct
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("PYTHONHASHSEED", "0")

import numpy as np

SEED = 1234
EPOCHS_KERAS = 3
EPOCHS_TORCH = 3
BATCH = 64
HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------- data

def read_idx(path):
    """Read a (gzipped) IDX file into a numpy array (uint8 data only)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_fashion_mnist(data_dir):
    def p(name):
        return os.path.join(data_dir, name)
    x_train = read_idx(p("train-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y_train = read_idx(p("train-labels-idx1-ubyte.gz")).astype(np.int64)
    x_test = read_idx(p("t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y_test = read_idx(p("t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    return x_train, y_train, x_test, y_test


# --------------------------------------------------------------------------- helpers

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def accuracy(outputs, labels):
    return float(np.mean(np.argmax(outputs, axis=1) == labels))


def layout_input(x, layout):
    """x: float32 [N,28,28] -> the layout a model expects."""
    if layout == "NHWC":
        return x[..., None]
    if layout == "NCHW":
        return x[:, None, :, :]
    if layout == "NHW":
        return x
    if layout == "flat":
        return x.reshape(len(x), 784)
    raise ValueError(layout)


LAYOUT_DOC = {
    "NHWC": {"shape": [None, 28, 28, 1], "description": "NHWC, 28x28x1"},
    "NCHW": {"shape": [None, 1, 28, 28], "description": "NCHW, 1x28x28"},
    "NHW": {"shape": [None, 28, 28], "description": "28x28 image without channel axis (flattened inside the model)"},
    "flat": {"shape": [None, 784], "description": "flat 784"},
}


# --------------------------------------------------------------------------- Keras

def keras_seed(tf, keras_mod):
    random.seed(SEED)
    np.random.seed(SEED)
    tf.random.set_seed(SEED)
    try:
        keras_mod.utils.set_random_seed(SEED)
    except Exception:
        pass


def build_keras_mlp(k):
    """Input 28x28 -> Flatten -> Dense(128, relu) -> Dropout -> Dense(10) -> Softmax."""
    L = k.layers
    inp = L.Input(shape=(28, 28), name="image")
    x = L.Flatten(name="flatten")(inp)
    x = L.Dense(128, activation="relu", name="dense1")(x)
    x = L.Dropout(0.2, name="dropout")(x)
    x = L.Dense(10, name="logits")(x)
    out = L.Softmax(name="probabilities")(x)
    return k.Model(inp, out, name="fmnist_mlp")


def build_keras_cnn(k):
    """Input 28x28x1 -> Conv(16,3,same,relu) -> BN -> MaxPool2 -> Conv(32,3,relu) -> MaxPool2
    -> Flatten -> Dense(64,relu) -> Dense(10,softmax)."""
    L = k.layers
    inp = L.Input(shape=(28, 28, 1), name="image")
    x = L.Conv2D(16, 3, padding="same", activation="relu", name="conv1")(inp)
    x = L.BatchNormalization(name="bn1")(x)
    x = L.MaxPooling2D(2, name="pool1")(x)
    x = L.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = L.MaxPooling2D(2, name="pool2")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(64, activation="relu", name="dense1")(x)
    out = L.Dense(10, activation="softmax", name="probabilities")(x)
    return k.Model(inp, out, name="fmnist_cnn")


def train_keras(tf, tfk, name, model, x_train, y_train, x_test, y_test, layout):
    keras_seed(tf, tfk)
    model.compile(optimizer=tfk.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    t0 = time.time()
    model.fit(layout_input(x_train, layout), y_train, batch_size=BATCH,
              epochs=EPOCHS_KERAS, shuffle=True, verbose=2)
    _, acc = model.evaluate(layout_input(x_test, layout), y_test, verbose=0)
    print(f"[keras2] {name}: test accuracy {acc:.4f} ({time.time() - t0:.0f} s)", flush=True)
    return model


# --------------------------------------------------------------------------- PyTorch

def build_torch_models(torch):
    nn = torch.nn

    class FmnistCnnTorch(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1),   # 28x28
                nn.BatchNorm2d(16),
                nn.ReLU(),
                nn.MaxPool2d(2),                  # 14x14
                nn.Conv2d(16, 32, 3),             # 12x12
                nn.ReLU(),
                nn.MaxPool2d(2),                  # 6x6
            )
            self.classifier = nn.Sequential(
                nn.Flatten(),                     # 32*6*6 = 1152
                nn.Linear(32 * 6 * 6, 64),
                nn.ReLU(),
                nn.Linear(64, 10),                # logits
            )

        def forward(self, x):
            return self.classifier(self.features(x))

    class FmnistMlpTorch(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(
                nn.Flatten(),                     # [N,1,28,28] -> [N,784]
                nn.Linear(784, 128),
                nn.ReLU(),
                nn.Linear(128, 10),               # logits
            )

        def forward(self, x):
            return self.net(x)

    return FmnistCnnTorch, FmnistMlpTorch


def train_torch(torch, name, model, x_train, y_train, x_test, y_test):
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    xt = torch.from_numpy(layout_input(x_train, "NCHW").copy())
    yt = torch.from_numpy(y_train)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    t0 = time.time()
    for epoch in range(EPOCHS_TORCH):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        total = 0.0
        for i in range(0, len(xt), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = lossf(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"[torch] {name} epoch {epoch + 1}: loss {total / len(xt):.4f}", flush=True)
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(layout_input(x_test, "NCHW").copy())).numpy()
    print(f"[torch] {name}: test accuracy {accuracy(out, y_test):.4f} ({time.time() - t0:.0f} s)",
          flush=True)
    return model


# --------------------------------------------------------------------------- shared stage code

class Stage:
    """Output directory, test data and the per-file recording shared by both stages."""

    def __init__(self, args):
        self.out_dir = args.out
        os.makedirs(self.out_dir, exist_ok=True)
        self.x_train, self.y_train, self.x_test, self.y_test = load_fashion_mnist(args.data)
        self.x100 = self.x_test[:100]
        self.entries = {}

    def path(self, fname):
        return os.path.join(self.out_dir, fname)

    def record(self, fname, model, framework, writer, layout, outputs_kind, predict, extra=None):
        """predict(x) must run the model *reloaded from the written file*."""
        full = predict(layout_input(self.x_test, layout)).astype(np.float32)
        # The first 100 on their own (exactly what Imprint's tests will feed).
        ref = predict(layout_input(self.x100, layout)).astype(np.float32)
        assert ref.shape == (100, 10), ref.shape
        assert np.allclose(full[:100], ref, atol=1e-5), f"{fname}: batch-size dependent outputs"
        np.save(self.path(fname + ".ref100.npy"), ref)
        acc = accuracy(full, self.y_test)
        e = {
            "model": model,
            "framework": framework,
            "writer": writer,
            "input_layout": layout,
            "input_shape": LAYOUT_DOC[layout]["shape"],
            "input_description": LAYOUT_DOC[layout]["description"],
            "input_preprocessing": "float32(uint8 pixel) / 255, range [0, 1]",
            "outputs": outputs_kind,
            "output_shape": [None, 10],
            "test_accuracy": round(acc, 4),
            "test_images": int(len(self.x_test)),
            "ref100": fname + ".ref100.npy",
            "sha256": sha256(self.path(fname)),
            "size_bytes": os.path.getsize(self.path(fname)),
        }
        if extra:
            e.update(extra)
        self.entries[fname] = e
        print(f"  wrote {fname}: accuracy {acc:.4f}", flush=True)

    def ort_predict(self, fname):
        import onnxruntime as ort
        sess = ort.InferenceSession(self.path(fname), providers=["CPUExecutionProvider"])
        iname = sess.get_inputs()[0].name

        def run(x):
            return np.concatenate([sess.run(None, {iname: x[i:i + 1000]})[0]
                                   for i in range(0, len(x), 1000)])
        return run

    def onnx_extra(self, fname):
        import onnx
        m = onnx.load(self.path(fname))

        def dims(vi):
            return [d.dim_param if d.dim_param else d.dim_value
                    for d in vi.type.tensor_type.shape.dim]
        return {
            "onnx_opset": max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")),
            "onnx_inputs": {i.name: dims(i) for i in m.graph.input},
            "onnx_outputs": {o.name: dims(o) for o in m.graph.output},
            "onnx_ops": sorted({n.op_type for n in m.graph.node}),
        }

    def write_partial(self, stage, versions):
        with open(self.path(f".partial_{stage}.json"), "w") as f:
            json.dump({"versions": versions, "entries": self.entries}, f, indent=2)


# --------------------------------------------------------------------------- Keras stage

def stage_keras(args):
    st = Stage(args)
    x_test, y_test, x100 = st.x_test, st.y_test, st.x100
    path = st.path

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    import tf_keras
    import keras  # Keras 3
    import tf2onnx
    import onnx
    import onnxruntime as ort
    assert keras.__version__.startswith("3."), keras.__version__
    assert keras.backend.backend() == "tensorflow", keras.backend.backend()
    versions = {
        "python": sys.version.split()[0],
        "tensorflow": tf.__version__,
        "tf_keras": tf_keras.__version__,
        "keras": keras.__version__,
        "tf2onnx": tf2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "h5py": __import__("h5py").__version__,
        "numpy": np.__version__,
    }
    print("versions:", versions, flush=True)

    # ---------------- Keras 2 (tf_keras): train (seeded before building: initial weights)
    keras_seed(tf, tf_keras)
    mlp2 = train_keras(tf, tf_keras, "fmnist_mlp", build_keras_mlp(tf_keras),
                       st.x_train, st.y_train, x_test, y_test, "NHW")
    keras_seed(tf, tf_keras)
    cnn2 = train_keras(tf, tf_keras, "fmnist_cnn", build_keras_cnn(tf_keras),
                       st.x_train, st.y_train, x_test, y_test, "NHWC")

    # ---------------- Keras 2 files
    tfk_ver = f"tf_keras {tf_keras.__version__} (tensorflow {tf.__version__})"
    for fname, m, name, layout in [("fmnist_mlp_k2.h5", mlp2, "fmnist_mlp", "NHW"),
                                   ("fmnist_cnn_k2.h5", cnn2, "fmnist_cnn", "NHWC")]:
        m.save(path(fname), save_format="h5", include_optimizer=False)
        loaded = tf_keras.models.load_model(path(fname), compile=False)
        st.record(fname, name, "keras2", tfk_ver + ", model.save(h5, include_optimizer=False)",
                  layout, "probabilities",
                  lambda x, loaded=loaded: loaded.predict(x, batch_size=500, verbose=0))

    # ---------------- Keras 3 models with the same weights (not compiled: no optimizer state)
    mlp3 = build_keras_mlp(keras)
    cnn3 = build_keras_cnn(keras)
    for src, dst, lay in [(mlp2, mlp3, "NHW"), (cnn2, cnn3, "NHWC")]:
        sw = src.get_weights()
        assert [w.shape for w in sw] == [tuple(w.shape) for w in dst.get_weights()]
        dst.set_weights(sw)
        d = np.abs(src.predict(layout_input(x100, lay), verbose=0)
                   - dst.predict(layout_input(x100, lay), verbose=0)).max()
        print(f"[keras3] {dst.name}: max |k2 - k3| = {d:.2e}", flush=True)
        assert d < 1e-5
    k3_ver = f"keras {keras.__version__} (tensorflow {tf.__version__} backend)"

    # Keras 3 legacy H5: model.save("*.h5") routes to legacy_h5_format.save_model_to_hdf5.
    fname = "fmnist_cnn_k3.h5"
    cnn3.save(path(fname))
    loaded = keras.models.load_model(path(fname), compile=False)
    st.record(fname, "fmnist_cnn", "keras3", k3_ver + ", model.save(.h5) -> legacy H5 saver",
              "NHWC", "probabilities",
              lambda x, loaded=loaded: loaded.predict(x, batch_size=500, verbose=0))

    # Keras 3 native .keras zip.
    for fname, m, name, layout in [("fmnist_mlp_k3.keras", mlp3, "fmnist_mlp", "NHW"),
                                   ("fmnist_cnn_k3.keras", cnn3, "fmnist_cnn", "NHWC")]:
        m.save(path(fname))
        loaded = keras.models.load_model(path(fname), compile=False)
        st.record(fname, name, "keras3", k3_ver + ", model.save(.keras)", layout, "probabilities",
                  lambda x, loaded=loaded: loaded.predict(x, batch_size=500, verbose=0))

    # Weights only; the architecture is build_keras_cnn() (same as fmnist_cnn_k3.keras).
    fname = "fmnist_cnn_k3.weights.h5"
    cnn3.save_weights(path(fname))
    fresh = build_keras_cnn(keras)
    fresh.load_weights(path(fname))
    st.record(fname, "fmnist_cnn", "keras3", k3_ver + ", model.save_weights(.weights.h5)",
              "NHWC", "probabilities",
              lambda x: fresh.predict(x, batch_size=500, verbose=0),
              extra={"architecture": "weights only, no model config: same architecture as "
                                     "fmnist_cnn_k3.keras (build_keras_cnn)"})

    # ---------------- tf2onnx from the tf_keras CNN
    fname = "fmnist_cnn_tf2onnx.onnx"
    spec = (tf.TensorSpec([None, 28, 28, 1], tf.float32, name="image"),)
    tf2onnx.convert.from_keras(cnn2, input_signature=spec, opset=13, output_path=path(fname))
    # tf2onnx names the dynamic batch dimension "unk__N"; call it "batch" like the torch files.
    m = onnx.load(path(fname))
    for vi in list(m.graph.input) + list(m.graph.output):
        vi.type.tensor_type.shape.dim[0].dim_param = "batch"
    onnx.checker.check_model(m)
    onnx.save(m, path(fname))
    st.record(fname, "fmnist_cnn", "onnx",
              f"tf2onnx {tf2onnx.__version__} convert.from_keras (tf_keras {tf_keras.__version__} "
              f"model), opset 13; measured with onnxruntime {ort.__version__}",
              "NHWC", "probabilities", st.ort_predict(fname), extra=st.onnx_extra(fname))
    d = np.abs(np.load(path(fname + ".ref100.npy"))
               - np.load(path("fmnist_cnn_k2.h5.ref100.npy"))).max()
    print(f"  tf2onnx vs tf_keras max diff {d:.2e}", flush=True)
    st.write_partial("keras", versions)


# --------------------------------------------------------------------------- PyTorch stage

def stage_torch(args):
    st = Stage(args)
    import torch
    import onnx
    import onnxruntime as ort
    # One thread: on a busy 2-core machine, 2 intra-op threads were 4-10x slower per step.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    versions = {"torch": torch.__version__, "onnx": onnx.__version__,
                "onnxruntime": ort.__version__}
    print("versions:", versions, flush=True)

    Cnn, Mlp = build_torch_models(torch)
    torch.manual_seed(SEED)
    cnn_t = train_torch(torch, "fmnist_cnn_torch", Cnn(), st.x_train, st.y_train, st.x_test, st.y_test)
    torch.manual_seed(SEED)
    mlp_t = train_torch(torch, "fmnist_mlp_torch", Mlp(), st.x_train, st.y_train, st.x_test, st.y_test)

    for fname, m, name, opset in [("fmnist_cnn_torch.onnx", cnn_t, "fmnist_cnn_torch", 17),
                                  ("fmnist_mlp_torch.onnx", mlp_t, "fmnist_mlp_torch", 13)]:
        m.eval()
        # dynamo=False: the TorchScript exporter writes one self-contained file (the dynamo
        # exporter needs onnxscript and may split weights into external data).
        torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), st.path(fname), dynamo=False,
                          opset_version=opset, input_names=["image"], output_names=["logits"],
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                          do_constant_folding=True, export_params=True)
        onnx.checker.check_model(onnx.load(st.path(fname)))
        run = st.ort_predict(fname)
        with torch.no_grad():
            tout = m(torch.from_numpy(layout_input(st.x100, "NCHW").copy())).numpy()
        d = np.abs(run(layout_input(st.x100, "NCHW")) - tout).max()
        print(f"  {fname}: onnxruntime vs torch max diff {d:.2e}", flush=True)
        assert d < 1e-4
        st.record(fname, name, "onnx",
                  f"torch {torch.__version__} torch.onnx.export (TorchScript exporter, "
                  f"dynamo=False), opset {opset}; measured with onnxruntime {ort.__version__}",
                  "NCHW", "logits", run,
                  extra=dict(st.onnx_extra(fname), trained_with=f"torch {torch.__version__}"))
    st.write_partial("torch", versions)


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default=os.path.join(HERE, "models"))
    ap.add_argument("--stage", choices=["all", "keras", "torch"], default="all",
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage == "keras":
        return stage_keras(args)
    if args.stage == "torch":
        return stage_torch(args)

    # TensorFlow and PyTorch cannot share one process here: with both loaded,
    # torch.use_deterministic_algorithms() aborts with "LLVM ERROR: inconsistency in
    # registered CommandLine options". So each stage runs in its own interpreter.
    import subprocess
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    for stage in ("keras", "torch"):
        subprocess.run([sys.executable, os.path.abspath(__file__), "--stage", stage,
                        "--data", args.data, "--out", args.out], check=True)
    versions, entries = {"python": sys.version.split()[0]}, {}
    for stage in ("keras", "torch"):
        p = os.path.join(args.out, f".partial_{stage}.json")
        with open(p) as f:
            part = json.load(f)
        os.remove(p)
        versions.update(part["versions"])
        entries.update(part["entries"])
    refs = {
        "description": "Bundled Fashion-MNIST example models; see examples/README.md.",
        "generated_by": "examples/train_fashion_mnist.py",
        "dataset": {
            "source": "Debian package dataset-fashion-mnist, /usr/share/datasets/fashion-mnist",
            "test_images": "t10k-images-idx3-ubyte.gz",
            "test_labels": "t10k-labels-idx1-ubyte.gz",
            "preprocessing": "float32(uint8) / 255 (range [0, 1]); no mean/std normalisation",
            "ref100": "<model file name>.ref100.npy: float32 [100, 10] outputs for the first "
                      "100 test images in file order",
        },
        "input_layouts": LAYOUT_DOC,
        "versions": versions,
        "seed": SEED,
        "models": entries,
    }
    with open(os.path.join(args.out, "references.json"), "w") as f:
        json.dump(refs, f, indent=2)
        f.write("\n")
    print(f"done in {time.time() - t0:.0f} s", flush=True)
    for fname, e in entries.items():
        print(f"  {fname:28s} {e['input_layout']:5s} {e['outputs']:13s} "
              f"acc {e['test_accuracy']:.4f} {e['size_bytes']:8d} B")


if __name__ == "__main__":
    main()

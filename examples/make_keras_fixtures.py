#!/usr/bin/env python3
"""Generates the Keras and HDF5 fixtures in examples/fixtures/keras/ (committed; tests never run Python).

Needs tf_keras 2.x (Keras 2 `.h5`), keras 3.x (Keras 3 `.h5`, `.keras`, `.weights.h5`), h5py, numpy.

For every numeric fixture NAME.h5 / NAME.keras / NAME.weights.h5 (+ NAME.config.json) it writes
NAME.in.npy (float32 batch in the layout Keras expects, NHWC for images) and NAME.out.npy (float32,
Keras' predict output) for the data-driven conformance test. The same model saved as NAME.h5 and
NAME.keras shares one pair. Malformed models go to bad/, HDF5 edge cases to hdf5/.
"""
import json
import os
import shutil
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402  (Keras 3)
import tf_keras  # noqa: E402  (Keras 2)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "keras")
rng = np.random.default_rng(1234)


def randomise(model):
    """Replaces every weight with small random values; BN statistics non-trivial and variance > 0."""
    for layer in model.layers:
        if hasattr(layer, "layers"):
            randomise(layer)
            continue
        ws = layer.get_weights()
        if not ws:
            continue
        if "BatchNormalization" in type(layer).__name__:
            new = []
            names = [w.name.split("/")[-1].split(":")[0] for w in layer.weights]
            for name, w in zip(names, ws):
                if "variance" in name:
                    new.append(rng.uniform(0.5, 2.0, w.shape).astype(np.float32))
                elif "gamma" in name:
                    new.append(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
                else:
                    new.append(rng.normal(0, 0.3, w.shape).astype(np.float32))
            layer.set_weights(new)
        else:
            layer.set_weights([rng.normal(0, 0.4, w.shape).astype(np.float32) for w in ws])


def sample_input(model, n=3):
    shape = [n] + [int(d) for d in model.input_shape[1:]]
    return rng.normal(0, 1, shape).astype(np.float32)


def save_io(name, model, x):
    np.save(os.path.join(OUT, name + ".in.npy"), x)
    np.save(os.path.join(OUT, name + ".out.npy"), np.asarray(model.predict(x, verbose=0), np.float32))


# ---------------------------------------------------------------- architectures (both APIs)

def mlp(K):
    L = K.layers
    return K.Sequential([
        K.Input((8,)),
        L.Dense(16, activation="relu", name="fc1"),
        L.Dropout(0.5, name="drop"),
        L.Dense(8, use_bias=False, activation="tanh", name="fc2"),
        L.BatchNormalization(name="bn"),
        L.GaussianNoise(0.1, name="noise"),
        L.Dense(4, activation="softmax", name="out"),
    ], name="mlp")


def cnn(K):
    L = K.layers
    return K.Sequential([
        K.Input((10, 10, 3)),
        L.Conv2D(4, 3, padding="same", activation="relu", name="conv_same"),
        L.BatchNormalization(name="bn"),
        L.MaxPooling2D(2, name="pool"),
        L.Conv2D(6, (3, 2), strides=(2, 1), padding="valid", name="conv_stride"),
        L.Activation("relu", name="act"),
        L.DepthwiseConv2D(2, depth_multiplier=2, padding="same", name="dw"),
        L.Conv2D(4, 2, dilation_rate=2, padding="same", name="conv_dil"),
        L.AveragePooling2D(3, strides=2, padding="same", name="avg_same"),
        L.SpatialDropout2D(0.2, name="sdrop"),
        L.Flatten(name="flat"),
        L.Dense(5, name="fc"),
        L.Softmax(name="softmax"),
    ], name="cnn")


def branches(K, k3):
    L = K.layers
    inp = K.Input((8, 8, 4), name="image")
    x = L.Rescaling(0.5, offset=0.1, name="rescale")(inp)
    a = L.Conv2D(6, 3, padding="same", name="branch_a")(x)
    b = L.Conv2D(6, 1, name="branch_b")(x)
    s = L.Add(name="add")([a, b])
    s = L.ReLU(max_value=6.0, name="relu6")(s)
    g = L.Conv2D(6, 3, padding="same", groups=2, name="grouped")(s)
    sep = L.SeparableConv2D(6, 3, padding="same", depth_multiplier=2, activation="elu", name="sep")(s)
    m = L.Multiply(name="mul")([g, sep])
    d = L.Subtract(name="sub")([m, s])
    av = L.Average(name="avg")([d, g, s])
    leaky = L.LeakyReLU(negative_slope=0.2, name="leaky") if k3 else L.LeakyReLU(alpha=0.2, name="leaky")
    c = L.Concatenate(name="concat")([leaky(av), s])
    c = L.BatchNormalization(axis=-1, name="bn")(c)
    c = L.MaxPooling2D(2, padding="valid", name="pool")(c)
    gap = L.GlobalAveragePooling2D(name="gap")(c)
    gmp = L.GlobalMaxPooling2D(keepdims=True, name="gmp")(c)
    gmp = L.Reshape((12,), name="reshape")(gmp)
    h = L.Concatenate(axis=1, name="heads")([gap, gmp])
    out = L.Dense(3, activation="sigmoid", name="out")(h)
    return K.Model(inp, out, name="branches")


def activations(K, k3):
    L = K.layers
    names = ["relu", "sigmoid", "hard_sigmoid", "tanh", "gelu", "elu", "swish", "softplus", "linear", "softmax"]
    if k3:
        names += ["relu6", "silu", "leaky_relu"]
    inp = K.Input((6,), name="x")
    h = L.Dense(6, name="fc")(inp)
    outs = [L.Activation(n, name="act_" + n)(h) for n in names]
    outs.append(L.ReLU(negative_slope=0.1, name="relu_slope")(h))
    outs.append(L.ReLU(max_value=0.5, name="relu_max")(h))
    outs.append(L.Softmax(axis=-1, name="softmax_layer")(h))
    outs.append(L.ActivityRegularization(l1=0.01, name="actreg")(h))
    return K.Model(inp, L.Concatenate(name="all")(outs), name="activations")


def flatten_mix(K):
    """Flatten feeding a non-Dense consumer and Reshape into and out of 4-D: needs explicit transposes."""
    L = K.layers
    inp = K.Input((4, 3, 2), name="image")
    c = L.Conv2D(3, 2, padding="same", name="conv")(inp)
    f = L.Flatten(name="flat")(c)
    f2 = L.Flatten(name="flat_in")(inp)
    d = L.Dense(36, name="fc")(f2)
    s = L.Add(name="add")([f, d])
    r = L.Reshape((6, 2, 3), name="to_image")(s)
    r = L.Conv2D(2, 1, name="conv2")(r)
    r = L.Reshape((3, 8), name="to_seq")(r)
    r = L.Dense(2, name="fc_seq")(r)
    return K.Model(inp, L.Flatten(name="flat_out")(r), name="flatten_mix")


def nested(K):
    L = K.layers
    inner = K.Sequential([K.Input((6,)), L.Dense(5, activation="relu", name="inner_fc")], name="inner")
    inp = K.Input((4,), name="x")
    h = L.Dense(6, name="fc")(inp)
    return K.Model(inp, L.Dense(2, name="out")(inner(h)), name="nested")


# ---------------------------------------------------------------- writers

def keras2(name, model):
    randomise(model)
    model.save(os.path.join(OUT, name + ".h5"))
    save_io(name, model, sample_input(model))
    return model


def keras3(name, model, archive=True, weights_pair=True):
    randomise(model)
    model.save(os.path.join(OUT, name + ".h5"))
    x = sample_input(model)
    save_io(name, model, x)
    if archive:
        model.save(os.path.join(OUT, name + ".keras"))
    if weights_pair:
        model.save_weights(os.path.join(OUT, name + "w.weights.h5"))
        # The architecture exactly as a .keras archive stores it.
        scratch = os.path.join(OUT, name + "_tmp.keras")
        model.save(scratch)
        with zipfile.ZipFile(scratch) as z, open(os.path.join(OUT, name + "w.config.json"), "wb") as f:
            f.write(z.read("config.json"))
        os.remove(scratch)
        save_io(name + "w", model, x)
    return model


def bad_fixtures():
    bad = os.path.join(OUT, "bad")
    os.makedirs(bad, exist_ok=True)
    K, L = tf_keras, tf_keras.layers

    def small(name="small"):
        m = K.Sequential([K.Input((3,)), L.Dense(2, name="fc")], name=name)
        randomise(m)
        return m

    small().save(os.path.join(bad, "good.h5"))
    m = K.Sequential([K.Input((3, 4)), L.LayerNormalization(name="norm"), L.Flatten(), L.Dense(2)], name="unknown")
    m.save(os.path.join(bad, "unknown_layer.h5"))
    small().save_weights(os.path.join(bad, "weights_only.h5"))

    def edit(src, dst, fn):
        shutil.copy(os.path.join(bad, src), os.path.join(bad, dst))
        with h5py.File(os.path.join(bad, dst), "r+") as f:
            fn(f)

    def nan(f):
        k = f["model_weights/fc/fc/kernel:0"]
        v = k[...]
        v[0, 0] = np.nan
        k[...] = v
    edit("good.h5", "nan_weights.h5", nan)
    edit("good.h5", "missing_weights.h5", lambda f: f.__delitem__("model_weights/fc/fc/bias:0"))

    def wrong(f):
        del f["model_weights/fc/fc/kernel:0"]
        f["model_weights/fc/fc/kernel:0"] = np.zeros((4, 2), np.float32)
    edit("good.h5", "wrong_shape.h5", wrong)

    def huge(f):
        del f["model_weights/fc/fc/kernel:0"]
        f.create_dataset("model_weights/fc/fc/kernel:0", shape=(1 << 31, 1 << 20), dtype="f4", chunks=(1, 16))
    edit("good.h5", "huge_shape.h5", huge)

    def outside(f):
        del f["model_weights/fc/fc/kernel:0"]
        f["model_weights/fc/fc/kernel:0"] = h5py.ExternalLink("../outside.h5", "/kernel")
    edit("good.h5", "external_link.h5", outside)

    def soft_outside(f):
        del f["model_weights/fc/fc/kernel:0"]
        f["escape"] = h5py.ExternalLink("/tmp/outside.h5", "/")
        f["model_weights/fc/fc/kernel:0"] = h5py.SoftLink("/escape/kernel")
    edit("good.h5", "soft_external_link.h5", soft_outside)
    edit("good.h5", "bad_json.h5", lambda f: f.attrs.__setitem__("model_config", "{\"class_name\": \"Sequential\", "))
    edit("good.h5", "no_config.h5", lambda f: f.attrs.__delitem__("model_config"))

    # Keras 3 archive with an unknown layer, for the archive path.
    k3 = keras.Sequential([keras.Input((3, 4)), keras.layers.LayerNormalization(name="norm")], name="unknown3")
    k3.save(os.path.join(bad, "unknown_layer.keras"))


def hdf5_fixtures():
    d = os.path.join(OUT, "hdf5")
    os.makedirs(d, exist_ok=True)
    with h5py.File(os.path.join(d, "types.h5"), "w") as f:
        base = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 4 - 1
        f["f16"] = base.astype(np.float16)
        f["f32"] = base.astype(np.float32)
        f["f64"] = base
        f["i32"] = (base * 4).astype(np.int32)
        f["u8"] = np.arange(12, dtype=np.uint8).reshape(3, 4)
        f["scalar"] = np.float32(2.5)
        f["empty"] = np.zeros((0, 3), np.float32)
        f["text"] = "not numbers"
        f.create_group("group/inner")
        f["group/inner/data"] = np.ones(3, np.float32)
        f["group/soft"] = h5py.SoftLink("/group/inner")
        f.attrs["vlen_scalar"] = "hello"
        f.attrs.create("fixed_scalar", np.bytes_("fixed"))
        f.attrs["fixed_array"] = np.array([b"a", b"bc", b"def"])
        f.attrs.create("vlen_array", ["x", "yz"], dtype=h5py.string_dtype())
        f.attrs["bytes"] = np.frombuffer(b"{\"k\": 1}", dtype=np.uint8)
        f.attrs["numbers"] = np.array([1.5, 2, 3])
        f.attrs["empty_list"] = np.array([], dtype=np.float64)
    with h5py.File(os.path.join(d, "links.h5"), "w") as f:
        f["inside"] = h5py.ExternalLink("types.h5", "/f32")
        f["outside"] = h5py.ExternalLink("../bad/good.h5", "/model_weights")
        f["absolute"] = h5py.ExternalLink("/etc/hostname", "/")
        f["soft_to_outside"] = h5py.SoftLink("/outside")
        f["loop_a"] = h5py.SoftLink("/loop_b")
        f["loop_b"] = h5py.SoftLink("/loop_a")
        f.create_dataset("ext_storage_outside", shape=(4,), dtype="f4", external=[("../raw.bin", 0, 16)])
        f.create_dataset("ext_storage_inside", shape=(4,), dtype="f4", external=[("raw.bin", 0, 16)])
        layout = h5py.VirtualLayout(shape=(2, 3, 4), dtype="f4")
        layout[...] = h5py.VirtualSource("types.h5", "f32", shape=(2, 3, 4))
        f.create_virtual_dataset("virtual", layout)
    np.arange(4, dtype=np.float32).tofile(os.path.join(d, "raw.bin"))


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    keras2("mlp_k2", mlp(tf_keras))
    keras2("cnn_k2", cnn(tf_keras))
    keras2("branches_k2", branches(tf_keras, False))
    keras2("activations_k2", activations(tf_keras, False))
    keras2("flatten_mix_k2", flatten_mix(tf_keras))
    keras2("nested_k2", nested(tf_keras))
    keras3("mlp_k3", mlp(keras))
    keras3("cnn_k3", cnn(keras))
    keras3("branches_k3", branches(keras, True))
    keras3("activations_k3", activations(keras, True), weights_pair=False)
    keras3("flatten_mix_k3", flatten_mix(keras), weights_pair=False)
    keras3("nested_k3", nested(keras), weights_pair=False)
    bad_fixtures()
    hdf5_fixtures()
    total = sum(os.path.getsize(os.path.join(r, n)) for r, _, ns in os.walk(OUT) for n in ns)
    print(f"wrote {OUT} ({total // 1024} KiB)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""onnxruntime and `imprint` on the same .onnx files, images, batch size and thread count.

Run by Benchmarks/side_by_side.sh (which makes the virtual environment with onnxruntime, onnx
and numpy); see there. Every time is the best of --repeats runs, inference only on both sides:
onnxruntime's is the loop of session.run over the batches (session built and warmed up first),
imprint's the "seconds" of `imprint infer --json` (model and data loading excluded). Ratios are
imprint / onnxruntime, so 1.0 is parity and larger is slower.

Also printed: imprint's peak resident memory (/usr/bin/time's maximum resident set size) against
2 × (model file + one batch's live activations: the most a layer-by-layer run holds at once, from
ONNX shape inference), its peak on one sample (the process's fixed cost: runtime, data set), and the cost of one verify evaluation (ideal periphery) with
frozen and per-read noise, (wall(3 trials) - wall(1 trial)) / 2 (each the best of --repeats), which
includes simulating one chip's programming.

For models with convolutions, also onnxruntime at ORT_ENABLE_EXTENDED (its NCHWc layout
transformer off, so it convolves by im2col and GEMM, as imprint did before its direct
convolutions), on the fewest threads asked: what onnxruntime's own convolution design is worth.
"""
import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort

FMNIST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def fashion_mnist():
    with gzip.open(FMNIST, "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return (raw.reshape(-1, 1, 28, 28).astype(np.float32) / 255).copy()


def run_child(args):
    """Runs a command; returns (stdout, wall seconds, CPU seconds): the CPU is the rise of
    RUSAGE_CHILDREN's user + system time, which counts this child once it is reaped."""
    def children_cpu():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime
    start, start_cpu = time.perf_counter(), children_cpu()
    p = subprocess.run(args, capture_output=True)
    wall, cpu = time.perf_counter() - start, children_cpu() - start_cpu
    if p.returncode != 0:
        sys.exit(f"side_by_side: {' '.join(args)} failed ({p.returncode}): {p.stderr.decode().strip()}")
    return p.stdout.decode(), wall, cpu


def peak_rss_mib(args):
    """Peak resident memory of one run, MiB, by /usr/bin/time (GNU time's %M, KiB). Not this
    process's wait4: a child forked from Python keeps the Python image's high-water mark across exec."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"side_by_side: {' '.join(args)} failed ({p.returncode}): {p.stderr.decode().strip()}")
    return int(p.stderr.decode().split()[-1]) / 1024


def ort_seconds(model, x, batch, threads, repeats, level=None):
    """onnxruntime's best wall and CPU seconds over the batches, and its outputs. `level` is a
    graph optimisation level; None keeps onnxruntime's default (ORT_ENABLE_ALL)."""
    options = ort.SessionOptions()
    if level is not None:
        options.graph_optimization_level = level
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    session.run(None, {name: x[:batch]})
    best, best_cpu, outputs = float("inf"), float("inf"), None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        outputs = [session.run(None, {name: x[s:s + batch]})[0] for s in range(0, len(x), batch)]
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return best, best_cpu, np.concatenate(outputs)


def imprint_seconds(imprint, model, data, batch, threads, repeats):
    """Best wall seconds (imprint's own inference time) and best CPU seconds of inference: the
    whole process's CPU minus that of the same command on one sample (loading the model and data)."""
    args = [imprint, "infer", model, "--data", data, "--batch", str(batch), "--threads", str(threads), "--json"]
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        out, _, cpu = run_child(args)
        best = min(best, json.loads(out)["seconds"])
        best_cpu = min(best_cpu, cpu)
    load_cpu = min(run_child(args + ["--limit", "1"])[2] for _ in range(2))
    return best, max(best_cpu - load_cpu, 0), args


def live_activation_mib(model, batch):
    """The most activation memory a layer-by-layer run of one batch must hold: the graph's nodes
    in order, each tensor (not the weights) alive from its producer to its last reader, the batch
    axis set to `batch`; sizes from ONNX shape inference."""
    m = onnx.load(model, load_external_data=False)
    for value in list(m.graph.input) + list(m.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims:
            dims[0].ClearField("dim_param")
            dims[0].dim_value = batch
    m = onnx.shape_inference.infer_shapes(m)
    weights = {i.name for i in m.graph.initializer}
    size = {}
    for value in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        dims = [d.dim_value for d in value.type.tensor_type.shape.dim]
        if value.name not in weights and dims and all(d > 0 for d in dims):
            size[value.name] = int(np.prod(dims)) * 4
    last = {}
    for k, node in enumerate(m.graph.node):
        for name in node.input:
            last[name] = k
    outputs = {o.name for o in m.graph.output}
    live = {i.name for i in m.graph.input if i.name in size}
    peak = sum(size[n] for n in live)
    for k, node in enumerate(m.graph.node):
        live |= {o for o in node.output if o in size}
        peak = max(peak, sum(size[n] for n in live))
        live = {n for n in live if n in outputs or last.get(n, -1) > k}
    return peak / 2**20


def verify_evaluation_seconds(imprint, model, workdir, threads, noise, repeats):
    """(wall(3 trials) − wall(1 trial)) / 2, each wall the best of `repeats` runs: one run of each
    gave anything from 0.9 to 2.3 × onnxruntime for the same build, as the VM moved between runs."""
    plan = os.path.join(workdir, os.path.basename(model) + ".plan")
    if not os.path.exists(plan):
        run_child([imprint, "compile", model, "--device", "pcm", "--output", plan])
    walls, cpus = [], []
    for trials in (1, 3):
        runs = [run_child([imprint, "verify", plan, "--data", "fashion-mnist", "--trials", str(trials), "--times", "1s",
                           "--compensation", "none", "--periphery", "ideal", "--read-noise", noise,
                           "--threads", str(threads), "--json"]) for _ in range(repeats)]
        walls.append(min(r[1] for r in runs))
        cpus.append(min(r[2] for r in runs))
    return (walls[1] - walls[0]) / 2, (cpus[1] - cpus[0]) / 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--imprint", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--resnet50-samples", type=int, default=64)
    parser.add_argument("--skip-resnet50", action="store_true")
    parser.add_argument("--skip-verify", action="store_true")
    a = parser.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    here = os.path.dirname(os.path.abspath(__file__))
    models = os.path.join(here, "..", "examples", "models")

    images = fashion_mnist()
    cases = [("CNN (fmnist_cnn_torch.onnx)", os.path.join(models, "fmnist_cnn_torch.onnx"), "fashion-mnist", images, 256),
             ("MLP (fmnist_mlp_torch.onnx)", os.path.join(models, "fmnist_mlp_torch.onnx"), "fashion-mnist", images, 256),
             ("small ResNet (fmnist_resnet_small.onnx)", os.path.join(models, "fmnist_resnet_small.onnx"), "fashion-mnist",
              images, 256)]
    # The CNN issue 12 measured (conv 5×5 ×32, conv 5×5 ×64, dense 3136×128: ≈ 221 GFLOP per 10,000
    # images), untrained, generated like the ResNets; the bundled CNN is ≈ 13 × smaller.
    cnn5 = os.path.join(a.workdir, "fmnist_cnn5.onnx")
    if not os.path.exists(cnn5):
        subprocess.run([sys.executable, os.path.join(here, "..", "examples", "make_resnet_onnx.py"), "cnn5", cnn5],
                       check=True, stdout=subprocess.DEVNULL)
    cases.insert(1, ("issue 12's CNN, 5 × 5 (fmnist_cnn5.onnx)", cnn5, "fashion-mnist", images, 256))
    if not a.skip_resnet50:
        big = os.path.join(a.workdir, "resnet50.onnx")
        if not os.path.exists(big):
            subprocess.run([sys.executable, os.path.join(here, "..", "examples", "make_resnet_onnx.py"), "resnet50", big],
                           check=True, stdout=subprocess.DEVNULL)
        synthetic = np.random.default_rng(1).random((a.resnet50_samples, 3, 224, 224), dtype=np.float32)
        data = os.path.join(a.workdir, f"resnet50_x{a.resnet50_samples}.npy")
        np.save(data, synthetic)
        cases.append((f"ResNet-50-sized at 224² ({a.resnet50_samples} synthetic images)", big, data, synthetic, 16))

    print(f"onnxruntime {ort.__version__}; best of {a.repeats}; inference only; ratio = imprint / onnxruntime.")
    print("wall: elapsed seconds (what the goal is about; meaningful only on an otherwise idle machine);")
    print("cpu: user + system seconds of all threads (onnxruntime's threads spin while waiting, which counts)")
    print(f"{'model':46} {'threads':>7} {'batch':>5} {'ort wall':>9} {'imprint':>8} {'ratio':>6} "
          f"{'ort cpu':>8} {'imprint':>8} {'ratio':>6}")
    ort_wall = {}
    for title, model, data, x, batch in cases:
        rows = {}
        for t in threads:
            o, oc, reference = ort_seconds(model, x, batch, t, a.repeats)
            i, ic, args = imprint_seconds(a.imprint, model, data, batch, t, a.repeats)
            rows[t] = (o, i)
            ort_wall[(model, t)] = (o, oc)
            print(f"{title:46} {t:>7} {batch:>5} {o:>9.3f} {i:>8.3f} {i / o:>6.2f} {oc:>8.3f} {ic:>8.3f} {ic / oc:>6.2f}",
                  flush=True)
        # The same at ORT_ENABLE_EXTENDED: every fusion, but not the layout transformer that turns
        # convolutions into direct NCHWc kernels; onnxruntime then convolves by im2col and GEMM.
        if "Conv" in {n.op_type for n in onnx.load(model, load_external_data=False).graph.node}:
            t = min(threads)
            e, _, _ = ort_seconds(model, x, batch, t, a.repeats, ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
            print(f"{'':46} onnxruntime without its NCHWc layout (im2col + GEMM), {t} thread(s): "
                  f"{e:.3f} s; imprint / that = {rows[t][1] / e:.2f}")
        if 1 in rows and len(rows) > 1:
            t = max(rows)
            print(f"{'':46} speed-up 1 → {t} threads: onnxruntime {rows[1][0] / rows[t][0]:.2f} ×, "
                  f"imprint {rows[1][1] / rows[t][1]:.2f} ×")
        # Same outputs: imprint's, written with --output, against onnxruntime's (last run).
        npy = os.path.join(a.workdir, "imprint_out.npy")
        run_child(args[:-1] + ["--output", npy])
        ours = np.load(npy)
        print(f"{'':46} max |imprint − onnxruntime| = {np.abs(ours - reference).max():.2e}; "
              f"same top-1 on {np.mean(ours.argmax(1) == reference.argmax(1)) * 100:.2f} % of samples")
        weights = os.path.getsize(model) / 2**20
        activation = live_activation_mib(model, batch)
        rss = peak_rss_mib(args[:-1])
        baseline = peak_rss_mib(args[:-1] + ["--limit", "1"])
        print(f"{'':46} imprint peak RSS {rss:.0f} MiB; 2 × (model file {weights:.1f} MiB + one batch's live activations "
              f"{activation:.1f} MiB) = {2 * (weights + activation):.0f} MiB; one sample alone: {baseline:.0f} MiB")

    if not a.skip_verify:
        # The bundled CNN (≈ 49 multiply-adds per output, over all layers) and issue 12's (≈ 293): per-read
        # noise costs one normal per output, so its share falls as outputs get more multiply-adds each.
        for title, model, _, _, _ in cases[:2]:
            # The table's own onnxruntime row: measured again here, onnxruntime's 2-thread time for the
            # CNN came out ≈ 3.5 × slower in the same process, depending on the sessions made before it.
            o, oc = ort_wall[(model, max(threads))]
            for noise in ("frozen", "per-read"):
                v, vc = verify_evaluation_seconds(a.imprint, model, a.workdir, max(threads), noise, a.repeats)
                print(f"verify, one evaluation of {title}, {max(threads)} threads, read noise {noise}: wall {v:.3f} s "
                      f"= {v / o:.2f} × onnxruntime's inference, cpu {vc:.3f} s = {vc / oc:.2f} ×")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Read Imprint's tester files with readers that share no code with Imprint, and check them against its CSV.

    python3 examples/read_tester_files.py CSV [--jsonl FILE] [--proto FILE] [--hdf5 FILE]

The CSV (`imprint emit --format csv`) is the reference, read with Python's csv module. Each other
file is read by an independent reader:
  --jsonl  Python's json module, one object per line;
  --proto  the official Python protobuf runtime on formats/plan.proto (compiled with protoc at run
           time, as examples/read_plan.py does): magic IMPRDEVS, a delimited DeviceStreamHeader, then
           one delimited DeviceRecord per device;
  --hdf5   Debian's h5dump (hdf5-tools): `h5dump -n` lists the groups, `h5dump -b LE -d` writes each
           dataset's raw little-endian values, which numpy reads bit for bit.
Every file must hold exactly the CSV's devices (count and addresses (array, row, col), each once),
in the same order (HDF5: grouped by array, the CSV's order within each array), with the same layer, matrix position, role, significance, order, force and stuck flags and
float32-identical target, window and weight-per-µS. The script also checks the CSV against itself:
target_ohm = 1e6 / target_uS and force ⇔ a window of [0, g_min]. Exits non-zero with the first
mismatch; prints one summary line per file when all agree. Needs python3, numpy, protobuf, h5dump.
"""
import argparse
import csv
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_plan  # noqa: E402  (load_plan_pb2 and read_varint: the plan's protobuf framing, written once)

FIELDS = ["array", "row", "col", "layer", "matrix_row", "matrix_col", "role", "significance",
          "target_uS", "window_lo_uS", "window_hi_uS", "force", "weight_per_uS", "order"]
FLOAT32_FIELDS = ["target_uS", "window_lo_uS", "window_hi_uS", "weight_per_uS"]
ROLE_CODES = {1: "pos", 2: "neg", 3: "single", 4: "ref"}


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def fail(message):
    sys.exit(f"read_tester_files.py: {message}")


def normalise(array, row, col, layer, matrix_row, matrix_col, role, significance, target, lo, hi, force, wpu, order,
              stuck=False):
    """One device as a tuple with float32-rounded reals, so every reader is compared the same way.
    `stuck` is the last field of plans compiled against a defect map (absent, i.e. False, otherwise)."""
    return (int(array), int(row), int(col), str(layer), int(matrix_row), int(matrix_col), str(role),
            float(significance), f32(target), f32(lo), f32(hi), bool(force), f32(wpu), int(order), bool(stuck))


def csv_comments(path):
    """The leading `#` comment lines of an Imprint CSV as `key: value` pairs (lines without a colon are skipped)."""
    pairs = {}
    with open(path, newline="") as f:
        for line in f:
            if not line.startswith("#"):
                break
            key, sep, value = line[1:].strip().partition(":")
            if sep:
                pairs.setdefault(key.strip(), value.strip())
    return pairs


def iter_csv(path):
    """The device rows of an Imprint CSV as dicts, streamed (comment lines skipped), so any size reads in constant memory."""
    with open(path, newline="") as f:
        yield from csv.DictReader(line for line in f if not line.startswith("#"))


def read_csv(path):
    rows = list(iter_csv(path))
    if not rows:
        fail(f"{path}: no device rows")
    devices = []
    for r in rows:
        devices.append(normalise(r["array"], r["row"], r["col"], r["layer"], r["matrix_row"], r["matrix_col"],
                                 r["role"], r["significance"], r["target_uS"], r["window_lo_uS"], r["window_hi_uS"],
                                 r["force"] == "1", r["weight_per_uS"], r["order"], r.get("stuck") == "1"))
        target, ohm = f32(r["target_uS"]), r["target_ohm"]
        if target == 0:
            if ohm != "inf":
                fail(f"{path}: target 0 with target_ohm {ohm}, expected inf")
        elif abs(float(ohm) - 1e6 / target) > 1e-6 * (1e6 / target):
            fail(f"{path}: target_ohm {ohm} is not 1e6 / {r['target_uS']}")
    forced = [d for d in devices if d[11]]
    for d in forced:
        if d[9] != 0:
            fail(f"{path}: forced device {d[:3]} has window_lo {d[9]}, expected 0")
    return devices


def compare(name, got, want):
    if len(got) != len(want):
        fail(f"{name}: {len(got)} devices, the CSV has {len(want)}")
    addresses = {d[:3] for d in got}
    if len(addresses) != len(got):
        fail(f"{name}: {len(got) - len(addresses)} addresses repeated")
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            diff = [f"{k}: {a!r} vs CSV {b!r}" for k, a, b in zip(FIELDS + ["stuck"], g, w) if a != b]
            fail(f"{name}: device {i} at (array, row, col) {w[:3]} differs: " + "; ".join(diff))
    targets = np.array([d[8] for d in got], dtype=np.float64)
    print(f"ok: {name}: {len(got)} devices on {len({d[0] for d in got})} arrays match the CSV "
          f"(addresses, targets Σ {targets.sum():.6g} µS, windows, roles, orders)")


def read_jsonl(path):
    devices = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            r = json.loads(line)
            if list(r.keys())[:len(FIELDS) + 1] != FIELDS[:9] + ["target_ohm"] + FIELDS[9:]:
                fail(f"{path}:{n}: keys {list(r.keys())[:15]} are not the documented ones in order")
            if (r["target_ohm"] is None) != (r["target_uS"] == 0):
                fail(f"{path}:{n}: target_ohm {r['target_ohm']} for target {r['target_uS']}")
            devices.append(normalise(*(r[k] for k in FIELDS), stuck=r.get("stuck", False)))
    return devices


def read_delimited(data, pos, message):
    length, pos = read_plan.read_varint(data, pos)
    if length > len(data) - pos:
        raise ValueError("truncated record")
    message.ParseFromString(data[pos:pos + length])
    return pos + length


def read_proto(path):
    pb = read_plan.load_plan_pb2()
    data = open(path, "rb").read()
    if data[:8] != b"IMPRDEVS":
        fail(f"{path}: not an Imprint device stream (magic {data[:8]!r})")
    header = pb.DeviceStreamHeader()
    pos = read_delimited(data, 8, header)
    devices = []
    while pos < len(data):
        r = pb.DeviceRecord()
        pos = read_delimited(data, pos, r)
        devices.append(normalise(r.array, r.row, r.col, header.layers[r.layer], r.matrix_row, r.matrix_col,
                                 ROLE_CODES[r.role], r.significance, r.target_us, r.window_lo_us, r.window_hi_us,
                                 r.force, r.weight_per_us, r.order, r.stuck))
        if (r.target_us == 0) != (r.target_ohm == float("inf")):
            fail(f"{path}: record {len(devices) - 1}: target_ohm {r.target_ohm} for target {r.target_us}")
    return devices


HDF5_TYPES = {"row": "<i8", "col": "<i8", "layer": "<i8", "matrix_row": "<i8", "matrix_col": "<i8", "order": "<i8",
              "role": "<i1", "significance": "<f4", "target_uS": "<f4", "window_lo_uS": "<f4", "window_hi_uS": "<f4",
              "weight_per_uS": "<f4", "force": "<u1"}


def h5_dataset(path, name, dtype, scratch):
    out = os.path.join(scratch, "dataset.bin")
    if os.path.exists(out):
        os.remove(out)
    subprocess.run(["h5dump", "-b", "LE", "-d", name, "-o", out, path], check=True, stdout=subprocess.DEVNULL)
    return np.fromfile(out, dtype=dtype)


def read_hdf5(path):
    listing = subprocess.run(["h5dump", "-n", path], check=True, capture_output=True, text=True).stdout
    groups = sorted(set(re.findall(r"^\s*group\s+/(array_\d+)\s*$", listing, re.M)))
    if not groups:
        fail(f"{path}: no /array_NNNN groups")
    devices = []
    with tempfile.TemporaryDirectory(prefix="imprint-h5-") as scratch:
        # /layers: fixed-length UTF-8 strings, NUL-padded, which h5dump prints quoted with C escapes.
        text = subprocess.run(["h5dump", "-d", "/layers", path], check=True, capture_output=True, text=True).stdout
        quoted = re.findall(r'"((?:[^"\\]|\\.)*)"', text.split("DATA {", 1)[1])
        unescape = lambda m: chr(int(m.group(1), 8)) if m.group(1).isdigit() else m.group(1)
        layers = [re.sub(r"\\(\d{3}|.)", unescape, q).rstrip("\0") for q in quoted]
        for g in groups:
            array = int(g.split("_")[1])
            types = dict(HDF5_TYPES)
            if re.search(rf"dataset\s+/{g}/stuck\s*$", listing, re.M):
                types["stuck"] = "<u1"   # plans compiled against a defect map
            columns = {k: h5_dataset(path, f"/{g}/{k}", t, scratch) for k, t in types.items()}
            n = len(columns["row"])
            if any(len(v) != n for v in columns.values()):
                fail(f"{path}: /{g} datasets have different lengths")
            for i in range(n):
                c = {k: v[i] for k, v in columns.items()}
                devices.append(normalise(array, c["row"], c["col"], layers[c["layer"]], c["matrix_row"], c["matrix_col"],
                                         ROLE_CODES[int(c["role"])], c["significance"], c["target_uS"],
                                         c["window_lo_uS"], c["window_hi_uS"], c["force"] == 1, c["weight_per_uS"],
                                         c["order"], c.get("stuck", 0) == 1))
    return devices


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv")
    parser.add_argument("--jsonl")
    parser.add_argument("--proto")
    parser.add_argument("--hdf5")
    a = parser.parse_args()
    want = read_csv(a.csv)
    print(f"ok: CSV: {len(want)} devices; target_ohm and forced windows consistent")
    for name, path, reader in [("jsonl", a.jsonl, read_jsonl), ("proto", a.proto, read_proto), ("hdf5", a.hdf5, read_hdf5)]:
        if path:
            # HDF5 holds one group per array: the CSV's order within each array (a stable sort).
            compare(f"{name} {path}", reader(path), sorted(want, key=lambda d: d[0]) if name == "hdf5" else want)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Read an Imprint .plan with the official protobuf runtime and check it against an emitted CSV.

    python3 examples/read_plan.py PLAN CSV

Shows that the plan format is readable without Imprint: formats/plan.proto is compiled with
`protoc` (Debian: apt-get install protobuf-compiler) into a temporary folder at run time, the
stream is read record by record (magic, varint-delimited PlanRecord messages, SHA-256 footer), and
every device of every tile is compared with its CSV row (target, role, significance, layer, matrix
position, order, weight per uS). Finally every weight of every crossbar layer is rebuilt from the
targets with the documented formula and compared with the network weights the plan carries.
Exits non-zero on the first class of mismatch. Needs only the Python standard library + protobuf.
"""
import csv
import hashlib
import importlib
import math
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "formats")
MAGIC = b"IMPRPLAN"


def load_plan_pb2():
    """plan.proto's Python module, generated into a temporary folder that is gone once it is imported."""
    with tempfile.TemporaryDirectory(prefix="imprint-plan-pb2-") as out:
        subprocess.run(["protoc", f"--proto_path={PROTO_DIR}", f"--python_out={out}", "plan.proto"], check=True)
        sys.path.insert(0, out)
        try:
            return importlib.import_module("plan_pb2")
        finally:
            sys.path.remove(out)


def read_varint(data, pos):
    result, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 35:
            raise ValueError("over-long varint")


def read_plan(path, pb):
    """Returns (header, tiles) after checking magic, framing, counts and the checksum."""
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        raise ValueError("not an imprint plan")
    pos, records = 8, []
    while pos < len(data):
        start = pos
        length, pos = read_varint(data, pos)
        if length > len(data) - pos:
            raise ValueError("truncated record")
        record = pb.PlanRecord()
        record.ParseFromString(data[pos:pos + length])
        pos += length
        records.append((start, record))
    header = records[0][1].header
    if header.format_version > 1:
        raise ValueError(f"plan format version {header.format_version} is newer than this script supports (1)")
    footer_start, footer_record = records[-1]
    footer = footer_record.footer
    if hashlib.sha256(data[:footer_start]).digest() != footer.sha256:
        raise ValueError("checksum mismatch")
    tiles = [r.tile for _, r in records[1:-1]]
    assert footer.tile_count == len(tiles) == header.tile_count, "tile counts disagree"
    return header, tiles


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def network_weight(node, row, col):
    """Weight at (matrix row, whole-layer output column); rows of a conv are (c_in, k_h, k_w)."""
    w = next(t for t in node.tensors if t.name == "weight")
    if node.op_type == "dense":
        return w.data[row * w.shape[1] + col]
    rows_per_group = w.shape[1] * w.shape[2] * w.shape[3]
    return w.data[col * rows_per_group + row]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pb = load_plan_pb2()
    header, tiles = read_plan(sys.argv[1], pb)
    with open(sys.argv[2], newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    by_address = {(int(r["array"]), int(r["row"]), int(r["col"])): r for r in rows}
    assert len(by_address) == len(rows), "CSV addresses are not unique"

    slots = list(header.slots)
    role_name = {pb.POLARITY_POS: "pos", pb.POLARITY_NEG: "neg", pb.POLARITY_SINGLE: "single"}
    n_refs = header.options.reference_columns if header.options.pairs == pb.PAIR_MODE_OFFSET else 0
    nodes = {n.name: n for n in header.network.nodes}
    weights, devices = {}, 0
    faulty = set()  # weights holding a stuck device (a plan compiled against a defect map)
    for tile in tiles:
        layer = header.layers[tile.layer]
        n_rows, n_cols = tile.row_end - tile.row_start, tile.column_end - tile.column_start
        assert len(tile.targets_us) == len(slots) * n_rows * n_cols
        # Fault-aware plans permute a tile's rows and columns: weight (r, c) sits on word line rho[r]
        # and bit-line group gamma[c]; empty lists are the identity.
        rho = list(tile.row_permutation) or list(range(n_rows))
        gamma = list(tile.column_permutation) or list(range(n_cols))
        assert sorted(rho) == list(range(n_rows)) and sorted(gamma) == list(range(n_cols)), "bad permutation"
        stuck = set(tile.stuck_devices)
        # Reference devices (offset mode with reference columns): n_refs per word line, right of the
        # tile's weight columns, programmed after its weights; a weight is read against their mean.
        assert len(tile.reference_targets_us) == n_rows * n_refs
        reference = []
        for r in range(n_rows):
            for n in range(n_refs):
                target = tile.reference_targets_us[r * n_refs + n]
                address = (tile.array, tile.row_offset + r, tile.column_offset + n_cols * len(slots) + n)
                row = by_address.pop(address, None)
                assert row is not None, f"reference device {address} missing from the CSV"
                assert row["role"] == "ref" and f32(float(row["target_uS"])) == target, f"{address}: reference device"
                expected_order = tile.order_start + n_rows * n_cols * len(slots) + r * n_refs + n
                assert int(row["order"]) == expected_order, f"{address}: reference order"
                devices += 1
            if n_refs:
                reference.append(sum(tile.reference_targets_us[r * n_refs:(r + 1) * n_refs]) / n_refs)
        for r in range(n_rows):
            for c in range(n_cols):
                matrix_row = tile.row_start + r
                matrix_col = tile.group * layer.matrix_columns + tile.column_start + c
                for s, slot in enumerate(slots):
                    index = (s * n_rows + r) * n_cols + c
                    target = tile.targets_us[index]
                    address = (tile.array, tile.row_offset + rho[r], tile.column_offset + gamma[c] * len(slots) + s)
                    row = by_address.pop(address, None)
                    assert row is not None, f"device {address} missing from the CSV"
                    assert f32(float(row["target_uS"])) == target, f"{address}: target {row['target_uS']} vs {target}"
                    assert row["role"] == role_name[slot.polarity], f"{address}: role"
                    assert float(row["significance"]) == slot.significance, f"{address}: significance"
                    assert row["layer"] == layer.node, f"{address}: layer"
                    assert (int(row["matrix_row"]), int(row["matrix_col"])) == (matrix_row, matrix_col), f"{address}: matrix"
                    expected_order = tile.order_start + (rho[r] * n_cols + gamma[c]) * len(slots) + s
                    if header.options.HasField("defect_map"):
                        assert (row["stuck"] == "1") == (index in stuck), f"{address}: stuck flag"
                    else:
                        assert "stuck" not in row, "a plan without a defect map has no stuck column"
                    if index in stuck:
                        faulty.add((layer.node, matrix_row, matrix_col))
                    assert int(row["order"]) == expected_order, f"{address}: order"
                    wpu = tile.weight_per_us[c]
                    assert f32(float(row["weight_per_uS"])) == wpu, f"{address}: weight_per_uS"
                    sign = {"pos": 1.0, "neg": -1.0, "single": 1.0}[row["role"]]
                    zero = (reference[r] if n_refs else tile.zero_us) if row["role"] == "single" else 0.0
                    key = (layer.node, matrix_row, matrix_col)
                    weights[key] = weights.get(key, 0.0) + wpu * slot.significance * sign * (target - zero)
                    devices += 1
    assert not by_address, f"{len(by_address)} CSV rows belong to no tile"

    worst = 0.0
    for i, layer in enumerate(header.layers):
        node = nodes[layer.node]
        squares, count = 0.0, 0
        for row in range(layer.matrix_rows):
            for col in range(layer.matrix_columns * layer.groups):
                got, want = weights[(layer.node, row, col)], network_weight(node, row, col)
                squares += (got - want) ** 2
                count += 1
                if (layer.node, row, col) not in faulty:
                    worst = max(worst, abs(got - want) / layer.w_max)
        if header.layer_faults and layer.clipped_fraction == 0 and layer.snap_error == 0:
            # The weights the stuck devices leave, rebuilt from the CSV alone, against the plan's own
            # figure (which is against the weights as mapped: the network's when nothing was clipped or snapped).
            rms, recorded = (squares / count) ** 0.5, header.layer_faults[i].aware_rms_error
            assert abs(rms - recorded) <= 1e-3 * recorded + 1e-6 * layer.w_max, \
                f"{layer.node}: rebuilt RMS weight error {rms:.6g}, the plan records {recorded:.6g}"
    assert worst <= 1e-5, f"weights rebuilt to {worst:.2e} of w_max"
    stuck_note = f"; {len(faulty)} weights on stuck devices, their RMS error as the plan records" if faulty else ""
    print(f"ok: {devices} devices in {len(tiles)} tiles match the CSV; "
          f"{len(weights)} weights rebuilt within {worst:.1e} of w_max{stuck_note}; checksum verified")


if __name__ == "__main__":
    main()

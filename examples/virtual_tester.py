#!/usr/bin/env python3
"""A virtual lab tester: "programs" an emitted plan and writes the read-back file a real tester would.

    python3 examples/virtual_tester.py program PLAN.csv --output READBACK.csv [--seed N] [model options]
    python3 examples/virtual_tester.py touchup TOUCHUP.csv --previous READBACK.csv --output READBACK2.csv [--pass 2]

`program` reads a tester file written by `imprint emit --format csv` (formats/tester-plan.md) and
`touchup` one written by `imprint touchup --format csv`; both write a read-back CSV
(formats/tester-plan.md, "Read-back files"): `# plan_sha256: HEX` copied from the input's comment
lines when it has one, then `array,row,col,measured_uS,time_s,pulses,success`. `touchup` re-programs
only the devices the touch-up file lists (to their new targets) and copies every other record of the
previous read-back unchanged, in its order.

The error model is deliberately NOT Imprint's verifier model, so a test or demo cannot pass merely
because one model produced and judged the data (../shared/reference/tester-loop.md, "Testing
without hardware"):
  - programming: each verify attempt lands at target + sigma * t, t Student-t with `--dof` degrees of
    freedom (heavy tails); up to `--attempts` attempts until the verify read is inside the record's
    window (NeuRRAM's write-verify loop, abbreviated); success = 0 when none was;
  - forced devices (force=1) get one RESET to about 0 (|N(0, 0.005 µS)|), reported success = 1;
  - stuck devices (`--stuck` of all, stuck at 0 or, a `--stuck-high-share` of them, at `--g-max-uS`)
    whatever the target; detection is imperfect: a `--missed` share of the stuck devices that read
    outside their window is reported success = 1 anyway;
  - before the read-back: relaxation (Laplace, standard deviation `--relax-sigma-uS`) and optional
    power-law drift G·(time_s / 1 s)^-nu (`--drift-nu`), then reads clipped to [0, g_max] and
    quantised in steps of `--quantum-uS` (the published LeNet-5 read-back reads in ≈0.031 µS steps).
Random draws are keyed by (seed, pass, purpose, array, row, col) through SplitMix64, never by a row's
position, so the same device gets the same draws whatever the file's order or chunking; stuck
devices are keyed without the pass (a stuck device stays stuck when re-programmed). Files stream in
chunks of --chunk rows (constant memory in the plan's size; `touchup` holds the touch-up file's
devices, normally a small fraction). Needs python3 and numpy.
"""
import argparse
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_tester_files  # noqa: E402  (csv_comments, iter_csv: the emitted CSV read once)

READBACK_COLUMNS = ["array", "row", "col", "measured_uS", "time_s", "pulses", "success"]
PURPOSE = {"stuck": 1, "stuck_kind": 2, "missed": 3, "attempt": 16, "forced": 4, "relax": 5}
MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(x):
    """SplitMix64's finaliser on a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & MASK
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & MASK
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & MASK
        return x ^ (x >> np.uint64(31))


class Keys:
    """Per-device keys: SplitMix64 of the address, so draws follow the device, not its position."""

    def __init__(self, seed, array, row, col):
        address = (array.astype(np.uint64) << np.uint64(42)) ^ (row.astype(np.uint64) << np.uint64(21)) ^ col.astype(np.uint64)
        self.base = splitmix64(splitmix64(np.full(len(array), seed, dtype=np.uint64)) ^ address)

    def uniform(self, purpose, pass_=0, index=0):
        """Uniform in (0, 1), one per device, for (purpose, pass, index)."""
        salt = np.uint64((purpose << 40) ^ (pass_ << 20) ^ index)
        bits = splitmix64(splitmix64(self.base ^ salt) ^ np.uint64(0xD1B54A32D192ED03))
        return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0 ** -53

    def normal(self, purpose, pass_, index):
        """Standard normal (Box-Muller from two keyed uniforms)."""
        u1, u2 = self.uniform(purpose, pass_, 2 * index), self.uniform(purpose, pass_, 2 * index + 1)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def student_t(self, purpose, pass_, index, dof):
        """Student-t with `dof` (integer) degrees of freedom: Z / sqrt(chi2_dof / dof)."""
        z = self.normal(purpose, pass_, index * (dof + 1))
        chi2 = sum(self.normal(purpose, pass_, index * (dof + 1) + 1 + k) ** 2 for k in range(dof))
        return z / np.sqrt(chi2 / dof)


def program(a, keys, target, lo, hi, force, pass_):
    """Programs one chunk; returns (measured_uS, pulses, success) as arrays."""
    n = len(target)
    g = target.copy()
    done = np.zeros(n, dtype=bool)
    attempts = np.zeros(n, dtype=np.int64)
    for k in range(a.attempts):
        trial = target + a.sigma_uS * keys.student_t(PURPOSE["attempt"], pass_, k, a.dof)
        take = ~done
        g[take] = trial[take]
        attempts[take] = k + 1
        done |= (trial >= lo) & (trial <= hi)
    success = done.copy()
    pulses = attempts * a.pulses_per_attempt
    # Forced devices: one RESET, not verified.
    forced_g = np.abs(0.005 * keys.normal(PURPOSE["forced"], pass_, 0))
    g = np.where(force, forced_g, g)
    success |= force
    pulses = np.where(force, 1, pulses)
    # Relaxation (Laplace from a keyed uniform) and drift, for devices that were programmed.
    u = keys.uniform(PURPOSE["relax"], pass_) - 0.5
    laplace = -a.relax_sigma_uS / np.sqrt(2.0) * np.sign(u) * np.log1p(-2.0 * np.abs(u))
    g = np.where(force, g, g + laplace)
    if a.drift_nu > 0 and a.time_s > 1:
        g = g * (a.time_s / 1.0) ** -a.drift_nu
    # Stuck devices: keyed without the pass, so they stay stuck.
    stuck = keys.uniform(PURPOSE["stuck"]) < a.stuck
    high = keys.uniform(PURPOSE["stuck_kind"]) < a.stuck_high_share
    stuck_g = np.where(high, a.g_max_uS, 0.0)
    g = np.where(stuck, stuck_g, g)
    stuck_in_window = (stuck_g >= lo) & (stuck_g <= hi)
    missed = keys.uniform(PURPOSE["missed"], pass_) < a.missed
    success = np.where(stuck, stuck_in_window | missed, success)
    pulses = np.where(stuck, a.attempts * a.pulses_per_attempt, pulses)
    g = np.clip(g, 0.0, a.g_max_uS)
    g = np.round(g / a.quantum_uS) * a.quantum_uS
    return g, pulses, success.astype(np.int64)


def write_rows(out, array, row, col, g, time_s, pulses, success):
    w = csv.writer(out, lineterminator="\n")
    for i in range(len(g)):
        w.writerow([int(array[i]), int(row[i]), int(col[i]), f"{g[i]:.6g}", f"{time_s:g}", int(pulses[i]), int(success[i])])


def chunks(path, size):
    """Device rows of an Imprint CSV in lists of `size`."""
    batch = []
    for r in read_tester_files.iter_csv(path):
        batch.append(r)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def columns(batch):
    col = lambda k, t: np.array([r[k] for r in batch], dtype=t)
    return (col("array", np.int64), col("row", np.int64), col("col", np.int64), col("target_uS", np.float64),
            col("window_lo_uS", np.float64), col("window_hi_uS", np.float64),
            np.array([r["force"] in ("1", "true") for r in batch], dtype=bool))


def header_lines(*paths):
    for p in paths:
        sha = read_tester_files.csv_comments(p).get("plan_sha256")
        if sha:
            return f"# plan_sha256: {sha}\n"
    return ""


def run_program(a):
    tmp = a.output + ".partial"
    with open(tmp, "w", newline="") as out:
        out.write(header_lines(a.plan_csv))
        out.write(",".join(READBACK_COLUMNS) + "\n")
        for batch in chunks(a.plan_csv, a.chunk):
            array, row, col, target, lo, hi, force = columns(batch)
            keys = Keys(a.seed, array, row, col)
            g, pulses, success = program(a, keys, target, lo, hi, force, a.pass_)
            write_rows(out, array, row, col, g, a.time_s, pulses, success)
    os.replace(tmp, a.output)


def run_touchup(a):
    listed = {}
    for batch in chunks(a.touchup_csv, a.chunk):
        array, row, col, target, lo, hi, force = columns(batch)
        keys = Keys(a.seed, array, row, col)
        g, pulses, success = program(a, keys, target, lo, hi, force, a.pass_)
        for i in range(len(g)):
            listed[(int(array[i]), int(row[i]), int(col[i]))] = (g[i], pulses[i], success[i])
    tmp = a.output + ".partial"
    seen = 0
    with open(tmp, "w", newline="") as out:
        out.write(header_lines(a.touchup_csv, a.previous))
        out.write(",".join(READBACK_COLUMNS) + "\n")
        w = csv.writer(out, lineterminator="\n")
        for r in read_tester_files.iter_csv(a.previous):
            key = (int(r["array"]), int(r["row"]), int(r["col"]))
            if key in listed:
                g, pulses, success = listed[key]
                w.writerow([*key, f"{g:.6g}", f"{a.time_s:g}", int(pulses), int(success)])
                seen += 1
            else:
                w.writerow([r.get(k, "") for k in READBACK_COLUMNS])
    if seen != len(listed):
        os.remove(tmp)
        sys.exit(f"virtual_tester.py: {a.touchup_csv}: {len(listed) - seen} listed devices are not in {a.previous}")
    os.replace(tmp, a.output)
    print(f"virtual tester: re-programmed {seen} devices, kept the rest of {a.previous}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    prog = sub.add_parser("program", help="program an emitted plan (imprint emit --format csv)")
    prog.add_argument("plan_csv")
    touch = sub.add_parser("touchup", help="execute a touch-up file (imprint touchup --format csv)")
    touch.add_argument("touchup_csv")
    touch.add_argument("--previous", required=True, help="the read-back the touch-up was planned from")
    for s, default_pass in ((prog, 1), (touch, 2)):
        s.add_argument("--output", required=True)
        s.add_argument("--seed", type=int, default=0)
        s.add_argument("--pass", dest="pass_", type=int, default=default_pass, help="programming pass (keys the draws)")
        s.add_argument("--sigma-uS", type=float, default=0.4, help="scale of one attempt's Student-t error, µS")
        s.add_argument("--dof", type=int, default=3, help="degrees of freedom of that error (heavy tails)")
        s.add_argument("--attempts", type=int, default=4, help="verify attempts before success = 0")
        s.add_argument("--pulses-per-attempt", type=int, default=5)
        s.add_argument("--stuck", type=float, default=0.01, help="fraction of stuck devices")
        s.add_argument("--stuck-high-share", type=float, default=0.3, help="share of stuck devices at g_max")
        s.add_argument("--missed", type=float, default=0.3, help="share of out-of-window stuck devices reported success = 1")
        s.add_argument("--relax-sigma-uS", type=float, default=0.3, help="relaxation before the read, µS (std)")
        s.add_argument("--drift-nu", type=float, default=0.0, help="drift exponent applied up to --time-s")
        s.add_argument("--time-s", type=float, default=60.0, help="time from programming to the read-back, s")
        s.add_argument("--g-max-uS", type=float, default=25.0, help="rail of stuck-high devices and read ceiling (pcm preset: 25)")
        s.add_argument("--quantum-uS", type=float, default=0.03, help="read quantisation step, µS")
        s.add_argument("--chunk", type=int, default=65536, help="rows per numpy chunk")
    a = p.parse_args()
    if a.dof < 1 or a.attempts < 1 or a.quantum_uS <= 0 or a.chunk < 1:
        sys.exit("virtual_tester.py: --dof, --attempts, --chunk and --quantum-uS must be positive")
    run_program(a) if a.mode == "program" else run_touchup(a)


if __name__ == "__main__":
    main()

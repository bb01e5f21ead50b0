#!/usr/bin/python3
"""Writes a seeded, synthetic defect map for a plan: a fraction of the plan's devices stuck.

The devices are taken from a tester file `imprint emit PLAN --format csv` wrote (its array, row and
col columns), so every fault hits a device the plan uses. Kinds are mixed: stuck_low (stuck-OFF),
stuck_high (stuck-ON) and stuck_at a conductance uniform in [--g-min, --g-max]. Same arguments, same
file. The format is formats/tester-plan.md, "Defect maps".

    /usr/bin/python3 examples/make_defects.py plan.csv --fraction 0.1 --seed 1 \
        --mix 0.45,0.45,0.10 --g-min 1 --g-max 40 --output plan.defects.csv
"""
import argparse
import csv
import sys

import numpy as np


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tester_csv", help="a plan's devices, as `imprint emit --format csv` writes them")
    p.add_argument("--fraction", type=float, default=0.1, help="fraction of the plan's devices stuck (default 0.1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mix", default="0.45,0.45,0.10",
                   help="shares of stuck_low, stuck_high, stuck_at (default 0.45,0.45,0.10)")
    p.add_argument("--g-min", type=float, default=1.0, help="lowest stuck_at value in uS (default 1, the rram preset)")
    p.add_argument("--g-max", type=float, default=40.0, help="highest stuck_at value in uS (default 40, the rram preset)")
    p.add_argument("--output", required=True)
    a = p.parse_args()
    mix = np.array([float(x) for x in a.mix.split(",")])
    if len(mix) != 3 or (mix < 0).any() or mix.sum() <= 0:
        sys.exit("--mix takes three non-negative shares: stuck_low,stuck_high,stuck_at")
    if not 0 <= a.fraction <= 1:
        sys.exit("--fraction must lie in [0, 1]")

    addresses = []
    with open(a.tester_csv, newline="") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        header = next(rows)
        ia, ir, ic = header.index("array"), header.index("row"), header.index("col")
        for r in rows:
            addresses.append((int(r[ia]), int(r[ir]), int(r[ic])))
    addresses.sort()
    rng = np.random.default_rng(a.seed)
    n = int(round(a.fraction * len(addresses)))
    chosen = np.sort(rng.choice(len(addresses), size=n, replace=False))
    kinds = rng.choice(3, size=n, p=mix / mix.sum())
    values = rng.uniform(a.g_min, a.g_max, size=n)
    with open(a.output, "w") as out:
        out.write(f"# generator: examples/make_defects.py fraction {a.fraction} seed {a.seed} mix {a.mix}\n")
        out.write("array,row,col,kind,value_uS\n")
        for i, k, v in zip(chosen, kinds, values):
            arr, row, col = addresses[i]
            if k == 0:
                out.write(f"{arr},{row},{col},stuck_low,\n")
            elif k == 1:
                out.write(f"{arr},{row},{col},stuck_high,\n")
            else:
                out.write(f"{arr},{row},{col},stuck_at,{v:.4f}\n")
    print(f"{n} of {len(addresses)} devices stuck -> {a.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

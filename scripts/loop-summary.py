#!/usr/bin/env python3
"""Prints what `make demo`'s tester loop changed: per read-back, the accuracy `verify --measured`
found (as read back, and later with drift), and the devices in their compiled windows, settled,
listed again and defective that `touchup --json` counted.

    python3 scripts/loop-summary.py VERIFY1.json TOUCHUP1.json VERIFY2.json TOUCHUP2.json
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    v1, t1, v2, t2 = (load(p) for p in sys.argv[1:5])
    rows = [("accuracy as read back", f"{100 * v1['measured']['measured_accuracy']:.2f} %", f"{100 * v2['measured']['measured_accuracy']:.2f} %")]
    for r1, r2 in zip(v1["results"], v2["results"]):
        rows.append((f"accuracy at {r1['time_s']:g} s ({r1['compensation']})",
                     f"{100 * r1['accuracy_mean']:.2f} ± {100 * r1['accuracy_std']:.2f} %",
                     f"{100 * r2['accuracy_mean']:.2f} ± {100 * r2['accuracy_std']:.2f} %"))
    rows += [
        ("in their compiled window", f"{100 * t1['in_window_fraction']:.2f} %", f"{100 * t2['in_window_fraction']:.2f} %"),
        ("settled (need nothing)", f"{100 * t1['settled_fraction']:.2f} %", f"{100 * t2['settled_fraction']:.2f} %"),
        ("devices to program again", f"{t1['listed']:,}", f"{t2['listed']:,}"),
        ("declared defective", f"{t1['defective']:,}", f"{t2['defective']:,}"),
    ]
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'':{width}}{'first read-back':>19}{'after touch-up':>19}")
    for name, a, b in rows:
        print(f"{name:{width}}{a:>19}{b:>19}")
    print(f"accuracy of the compiled targets (digital baseline): {100 * v1['baseline_accuracy']:.2f} %")


if __name__ == "__main__":
    main()

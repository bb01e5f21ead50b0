#!/usr/bin/env python3
"""Prints what `make demo`'s tester loop changed: per read-back, the accuracy `verify --measured`
found and the devices in their windows and settled that `touchup --json` counted.

    python3 scripts/loop-summary.py VERIFY1.json TOUCHUP1.json VERIFY2.json TOUCHUP2.json
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def accuracy(doc):
    r = doc["results"][0]
    return r["accuracy_mean"], r["time_s"], r["compensation"]


def main():
    v1, t1, v2, t2 = (load(p) for p in sys.argv[1:5])
    (a1, time_s, comp), (a2, _, _) = accuracy(v1), accuracy(v2)
    print(f"{'':28}{'first read-back':>17}{'after touch-up':>17}")
    print(f"{'accuracy (' + comp + f', t = {time_s:g} s)':28}{100 * a1:16.2f}%{100 * a2:16.2f}%")
    print(f"{'in compiled window':28}{100 * t1['in_window_fraction']:16.2f}%{100 * t2['in_window_fraction']:16.2f}%")
    print(f"{'settled (need nothing)':28}{100 * t1['settled_fraction']:16.2f}%{100 * t2['settled_fraction']:16.2f}%")
    print(f"{'devices to program again':28}{t1['listed']:17,}{t2['listed']:17,}")
    print(f"{'declared defective':28}{t1['defective']:17,}{t2['defective']:17,}")
    print(f"digital baseline (the plan's network): {100 * v1['baseline_accuracy']:.2f}%")


if __name__ == "__main__":
    main()

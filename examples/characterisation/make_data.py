#!/usr/bin/env python3
"""Writes pcm.csv: characterisation reads of a simulated PCM array for `imprint fit` (see
formats/characterisation.md and examples/characterisation/README.md).

The devices follow the PCM model of devices.md §1 with parameters that are NOT the `pcm` preset's
(a lab's own array): g_max 22 µS, σ_prog = 0.30 + 1.70x − 1.00x² µS, μ_ν = clamp(−0.018 ln x
+ 0.028, 0.045, 0.11), σ_ν = clamp(−0.011 ln x − 0.004, 0.009, 0.04), Q_s = min(0.010/x^0.6, 0.1),
t0 = 20 s, t_read = 250 ns, 1 % of devices stuck (half at 0, half at 25 µS). Reads are rounded to
0.01 µS as a tester's ADC would. Run: /usr/bin/python3 make_data.py (numpy; seed fixed).
"""
import numpy as np

SEED = 2026
G_MAX = 22.0
LEVELS = np.array([0.0, 0.03, 0.06, 0.1, 0.16, 0.25, 0.4, 0.6, 0.8, 1.0])
DEVICES_PER_LEVEL = 120
TIMES = [20.0, 200.0, 3600.0, 86400.0]
READS = 3
T0, T_READ = 20.0, 250e-9

rng = np.random.default_rng(SEED)
n = len(LEVELS) * DEVICES_PER_LEVEL
x = np.tile(LEVELS, DEVICES_PER_LEVEL)
target = x * G_MAX
sigma = np.maximum(0.30 + 1.70 * x - 1.00 * x * x, 0)
xf = np.maximum(x, 1e-7)
mu = np.clip(-0.018 * np.log(xf) + 0.028, 0.045, 0.11)
sd = np.clip(-0.011 * np.log(xf) - 0.004, 0.009, 0.04)
g_prog = np.maximum(target + sigma * rng.standard_normal(n), 0)
nu = np.abs(mu + sd * rng.standard_normal(n))
u = rng.random(n)
stuck_low, stuck_high = u < 0.005, (u >= 0.005) & (u < 0.01)
g_prog[stuck_low], nu[stuck_low] = 0.0, 0.0
g_prog[stuck_high], nu[stuck_high] = 25.0, 0.0
q = np.minimum(0.010 / np.maximum((g_prog / G_MAX) ** 0.6, 1e-3), 0.1)

with open("pcm.csv", "w") as f:
    f.write(f"# made by examples/characterisation/make_data.py, seed {SEED}\n")
    f.write("device,target_uS,time_s,read,measured_uS\n")
    for t in TIMES:
        g = g_prog * (t / T0) ** (-nu)
        factor = np.sqrt(np.log((t + T_READ) / (2 * T_READ)))
        for r in range(READS):
            read = np.maximum(g + g * q * factor * rng.standard_normal(n), 0)
            read = np.round(read, 2)
            for d in range(n):
                f.write(f"{d},{target[d]:.6g},{t:g},{r},{read[d]:.2f}\n")

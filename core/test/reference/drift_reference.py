#!/usr/bin/python3
"""Reference values for core/test/drift*.test.ts, computed independently with scipy/numpy.

Run with a python3 that has scipy (Debian: python3-scipy):
    python3 core/test/reference/drift_reference.py
It rewrites core/test/reference/drift_scipy_values.ts (then run prettier --write on it). The samples come from the same
deterministic generator as core/test/drift-samples.ts (minstd LCG), so both sides see
identical doubles. Evidently's binning (get_binned_data) is re-implemented here with numpy
only, following its source, so the JS/PSI checks do not need pandas.
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

M = 2147483647
A = 48271
SQRT3 = math.sqrt(3)


def uniform(seed, n):
    s = seed
    out = []
    for _ in range(n):
        s = (s * A) % M
        out.append(s / M)
    return out


def normalish(seed, n, mean, sd):
    u = uniform(seed, 4 * n)
    return np.array([(u[4 * i] + u[4 * i + 1] + u[4 * i + 2] + u[4 * i + 3] - 2) * SQRT3 * sd + mean
                     for i in range(n)])


def integers(seed, n, k):
    return np.array([math.floor(x * k) for x in uniform(seed, n)], dtype=float)


def binned(ref, cur, numeric, fill):
    # Evidently get_binned_data, numpy only.
    if numeric and len(np.unique(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=30)
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = sorted(set(ref.tolist()) | set(cur.tolist()))
        rp = np.array([np.sum(ref == k) / len(ref) for k in keys])
        cp = np.array([np.sum(cur == k) / len(cur) for k in keys])
    if fill:
        for arr in (rp, cp):
            m = min(arr[arr != 0])
            np.place(arr, arr == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp


def ks_case(name, a, b):
    r = stats.ks_2samp(a, b)  # method='auto'
    return {"name": name, "statistic": float(r.statistic), "pValue": float(r.pvalue)}


samples = {
    "eq50": (normalish(11, 50, 0, 1), normalish(12, 50, 0.4, 1)),
    "n60n45": (normalish(21, 60, 0, 1), normalish(22, 45, 0.3, 1.2)),
    "ties": (integers(31, 100, 12), integers(32, 80, 13)),
    "same": (normalish(41, 300, 5, 2), normalish(42, 250, 5, 2)),
    "asympSmallN": (normalish(51, 100, 0, 1), normalish(52, 20000, 0.2, 1)),
    "asympLarge": (normalish(61, 15000, 0, 1), normalish(62, 12000, 0.03, 1)),
    "asympDrift": (normalish(71, 12000, 0, 1), normalish(72, 11000, 0.1, 1)),
}

out = {"scipy": scipy.__version__, "numpy": np.__version__}
out["ks"] = [ks_case(k, a, b) for k, (a, b) in samples.items()]

# kstwo.sf over the regions scipy's kolmogn treats differently.
grid = [(5, 0.05), (5, 0.3), (5, 0.95), (20, 0.1), (20, 0.2), (20, 0.35), (20, 0.6),
        (100, 0.05), (100, 0.12), (100, 0.25), (140, 0.2), (141, 0.005), (141, 0.05), (141, 0.1),
        (141, 0.2), (500, 0.02), (500, 0.07), (500, 0.1), (5000, 0.005), (5000, 0.02),
        (50000, 0.002), (50000, 0.004), (99999, 0.0005), (200000, 0.002), (200000, 0.004),
        (500000, 0.0005), (500000, 0.001), (500000, 0.0025), (1000, 0.7), (1000, 0.9995)]
out["kstwo"] = [{"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))} for n, x in grid]

out["chi2sf"] = [{"x": x, "dof": k, "sf": float(stats.chi2.sf(x, k))}
                 for x, k in [(0.5, 1), (3.84, 1), (10, 3), (2, 4), (40, 10), (150, 99), (0.01, 2)]]
out["normsf"] = [{"z": z, "sf": float(stats.norm.sf(z))} for z in [0, 0.5, 1.96, 3, 6, 9, 20]]

# Chi-square (Evidently: expected = reference counts scaled to the current size).
cat_ref = integers(81, 400, 4)
cat_cur = integers(82, 300, 5) % 4
keys = sorted(set(cat_ref.tolist()) | set(cat_cur.tolist()))
f_exp = [np.sum(cat_ref == k) * len(cat_cur) / len(cat_ref) for k in keys]
f_obs = [np.sum(cat_cur == k) for k in keys]
chi = stats.chisquare(f_obs, f_exp)
out["chisquare"] = {"statistic": float(chi.statistic), "pValue": float(chi.pvalue)}

# Two-proportion z-test on the share of the first value.
z_ref = integers(91, 500, 2)
z_cur = (uniform(92, 400))
z_cur = np.array([0.0 if u < 0.58 else 1.0 for u in z_cur])
n1, n2 = len(z_ref), len(z_cur)
p1, p2 = np.sum(z_ref == 0) / n1, np.sum(z_cur == 0) / n2
P = (p1 * n1 + p2 * n2) / (n1 + n2)
z = (p1 - p2) / np.sqrt(P * (1 - P) * (1 / n1 + 1 / n2))
out["z"] = {"statistic": float(z), "pValue": float(2 * stats.norm.sf(abs(z)))}

# Wasserstein / reference population std (Evidently's floor 0.001).
w_ref, w_cur = normalish(101, 3000, 10, 2), normalish(102, 2500, 10.5, 2.5)
out["wasserstein"] = float(stats.wasserstein_distance(w_ref, w_cur) / max(np.std(w_ref), 0.001))
w_const = np.full(50, 3.0)
out["wassersteinConst"] = float(stats.wasserstein_distance(w_const, w_cur[:40]) / max(np.std(w_const), 0.001))

# Jensen-Shannon and PSI, histogram path (> 20 distinct reference values) and value path.
h_ref, h_cur = normalish(111, 2000, 0, 1), normalish(112, 1500, 0.25, 1.1)
rp, cp = binned(h_ref, h_cur, True, False)
out["jsHistogram"] = float(distance.jensenshannon(rp, cp))
rp, cp = binned(h_ref, h_cur, True, True)
out["psiHistogram"] = float(np.sum((rp - cp) * np.log(rp / cp)))
v_ref, v_cur = integers(121, 2000, 4), integers(122, 1500, 5)
rp, cp = binned(v_ref, v_cur, True, False)
out["jsValues"] = float(distance.jensenshannon(rp, cp))
rp, cp = binned(v_ref, v_cur, True, True)
out["psiValues"] = float(np.sum((rp - cp) * np.log(rp / cp)))

# Persona tests (core/test/drift-personas.test.ts).
mix_ref = np.array([90, 85, 100, 70, 80, 75])
mix_cur = np.array([60, 70, 190, 50, 70, 60])
chi2, chi_p, chi_dof, _ = stats.chi2_contingency(np.array([mix_ref, mix_cur]), correction=False)
big_ref = np.array([2000, 1800, 2100, 1500, 1700, 1600])
big_cur = np.array([1500, 1700, 3900, 1200, 1400, 1300])


def share_p(r, R, c, C):
    pooled = (r + c) / (R + C)
    z = (c / C - r / R) / np.sqrt(pooled * (1 - pooled) * (1 / R + 1 / C))
    return float(2 * stats.norm.sf(abs(z)))


out["personaMix"] = {
    "reference": mix_ref.tolist(), "current": mix_cur.tolist(),
    "chi2": float(chi2), "pValue": float(chi_p), "dof": int(chi_dof),
    "shareP": [share_p(r, mix_ref.sum(), c, mix_cur.sum()) for r, c in zip(mix_ref, mix_cur)],
    "bigReference": big_ref.tolist(), "bigCurrent": big_cur.tolist(),
    "js": float(distance.jensenshannon(big_ref / big_ref.sum(), big_cur / big_cur.sum())),
}

# Distances to the nearest centroid (numeric features, identity encoding) and their quantiles.
dim, k = 3, 4
points = np.array([normalish(300 + j, 600, 0, 1.5) for j in range(dim)]).T
centroids = np.array([[0, 0, 0], [2, -1, 0.5], [-2, 1, 1], [1, 2, -2]], dtype=float)
dist = distance.cdist(points, centroids)
labels = dist.argmin(axis=1)
nearest = dist.min(axis=1)
grid_p = np.arange(1001) / 1000
grid = np.quantile(nearest, grid_p)
picked = list(range(0, 1001, 50)) + list(range(985, 1000))
out["distances"] = {
    "centroids": centroids.tolist(),
    "first": nearest[:20].tolist(),
    "labelCounts": np.bincount(labels, minlength=k).tolist(),
    "grid": [{"i": i, "q": float(grid[i])} for i in sorted(set(picked))],
    "interp": [{"p": q, "q": float(np.interp(q, grid_p, grid))} for q in [0.95, 0.9905, 0.99, 0.9987]],
    "beyond99": int(np.sum(nearest > np.quantile(nearest, 0.99))),
}

# A per-persona KS: the rows of one label against another sample's rows of the same label.
other = np.array([normalish(400 + j, 500, 0.2, 1.5) for j in range(dim)]).T
other_labels = distance.cdist(other, centroids).argmin(axis=1)
ks = stats.ks_2samp(points[labels == 0, 0], other[other_labels == 0, 0])
out["perPersonaKs"] = {"statistic": float(ks.statistic), "pValue": float(ks.pvalue),
                       "n": int(np.sum(labels == 0)), "m": int(np.sum(other_labels == 0))}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "drift_scipy_values.ts"), "w") as f:
    f.write("// Generated by drift_reference.py (scipy %s, numpy %s); do not edit by hand.\n"
            % (scipy.__version__, np.__version__))
    f.write("export const SCIPY = " + json.dumps(out, indent=2) + " as const;\n")
print("wrote drift_scipy_values.ts")

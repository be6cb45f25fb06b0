#!/usr/bin/python3
"""Reference values for core/test/persona-diff.test.ts, computed independently with numpy,
scipy (linear_sum_assignment for the matching) and scikit-learn (adjusted_rand_score).

Run with a python3 that has them (Debian: python3-sklearn):
    /usr/bin/python3 core/test/reference/persona_diff_reference.py
It rewrites core/test/reference/persona_diff_values.ts (then run prettier --write on it). The
sample rows come from a minstd LCG and are written into that file, so both sides see the same
doubles.
"""
import json
import math
import os

import numpy as np
import scipy
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

M = 2147483647
A = 48271
SQRT3 = math.sqrt(3)
SPLIT_SHARE = 0.25
MERGE_SHARE = 0.5
MIN_STRUCTURE_ROWS = 10


class Lcg:
    def __init__(self, seed):
        self.s = seed

    def uniform(self):
        self.s = (self.s * A) % M
        return self.s / M

    def normalish(self, mean, sd):
        return (sum(self.uniform() for _ in range(4)) - 2) * SQRT3 * sd + mean


def encode(row, features):
    out = []
    for f, v in zip(features, row):
        if f["type"] == "numeric":
            out.append((v - f["mean"]) / f["scale"])
        else:
            out.extend(1.0 if c == v else 0.0 for c in f["categories"])
    return np.array(out)


def decode_numeric(scaled, f, offset):
    return scaled[offset] * f["scale"] + f["mean"]


def in_newer_space(scaled, older, newer):
    offsets = {}
    o = 0
    for f in older:
        offsets[f["name"]] = (f, o)
        o += 1 if f["type"] == "numeric" else len(f["categories"])
    out = []
    for f in newer:
        of, off = offsets[f["name"]]
        if f["type"] == "numeric":
            out.append((decode_numeric(scaled, of, off) - f["mean"]) / f["scale"])
        else:
            for c in f["categories"]:
                out.append(scaled[off + of["categories"].index(c)] if c in of["categories"] else 0.0)
    return np.array(out)


def nearest(points, centroids):
    d = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def diff(older, newer, rows):
    fa, fb = older["features"], newer["features"]
    ca = np.array([in_newer_space(p["scaled"], fa, fb) for p in older["personas"]])
    cb = np.array([p["scaled"] for p in newer["personas"]])
    cost = np.sqrt(((ca[:, None, :] - cb[None, :, :]) ** 2).sum(axis=2))
    ri, ci = linear_sum_assignment(cost)
    # A pair holds while the new centroid's nearest production centroid is its partner.
    pair = {int(i): int(j) for i, j in zip(ri, ci) if int(cost[:, j].argmin()) == int(i)}
    la = nearest(np.array([encode(r, fa) for r in rows]), np.array([p["scaled"] for p in older["personas"]]))
    lb = nearest(np.array([encode(r, fb) for r in rows]), cb)
    churn = float(np.mean([pair.get(int(i), -1) != int(j) for i, j in zip(la, lb)]))
    ka, kb = len(older["personas"]), len(newer["personas"])
    counts = np.zeros((ka, kb))
    for i, j in zip(la, lb):
        counts[i, j] += 1
    na = [p["name"] for p in older["personas"]]
    nb = [p["name"] for p in newer["personas"]]
    tot_a = counts.sum(axis=1)
    split = []
    for i in range(ka):
        if tot_a[i] >= MIN_STRUCTURE_ROWS:
            into = [nb[j] for j in range(kb) if counts[i, j] / tot_a[i] >= SPLIT_SHARE]
            if len(into) >= 2:
                split.append({"persona": na[i], "into": into})
    merged = []
    for j in range(kb):
        frm = [na[i] for i in range(ka) if tot_a[i] >= MIN_STRUCTURE_ROWS and counts[i, j] / tot_a[i] > MERGE_SHARE]
        if len(frm) >= 2:
            merged.append({"persona": nb[j], "from": frm})
    return {
        "matched": [{"from": na[i], "to": nb[j], "distance": float(cost[i, j])} for i, j in sorted(pair.items())],
        "new": [nb[j] for j in range(kb) if j not in pair.values()],
        "retired": [na[i] for i in range(ka) if i not in pair],
        "split": split,
        "merged": merged,
        "churn": churn,
        "adjustedRandIndex": float(adjusted_rand_score(la, lb)),
        "mixFrom": [float(x) for x in counts.sum(axis=1) / len(rows)],
        "mixTo": [float(x) for x in counts.sum(axis=0) / len(rows)],
    }


def num(name, mean, scale):
    return {"name": name, "type": "numeric", "mean": mean, "std": scale, "scale": scale}


def persona(name, scaled):
    return {"name": name, "scaled": scaled}


def sample(seed, centres, per_centre, sd, channel_of):
    g = Lcg(seed)
    rows = []
    for c, (x, y) in enumerate(centres):
        for _ in range(per_centre):
            rows.append([g.normalish(x, sd), g.normalish(y, sd), channel_of(c, g.uniform())])
    return rows


CHANNEL = {"name": "channel", "type": "categorical", "categories": ["web", "store"]}
OLDER = {
    "features": [num("income", 50, 20), num("age", 40, 10), CHANNEL],
    "personas": [
        persona("Thrifty", [-1.5, -1.0, 0.8, 0.2]),
        persona("Comfortable", [0.0, 0.5, 0.5, 0.5]),
        persona("Affluent", [1.5, 1.0, 0.2, 0.8]),
    ],
}
# Raw centres of the three older personas (income, age) and a channel mostly web for the first.
CENTRES = [(20, 30), (50, 45), (80, 50)]


def channel(c, u):
    return "web" if u < [0.8, 0.5, 0.2][c] else "store"


def scenarios():
    rows = sample(11, CENTRES, 100, 6, channel)
    # A retrain on drifted data: new scaling, every centroid moved a little.
    shifted = {
        "features": [num("income", 55, 22), num("age", 42, 11), CHANNEL],
        "personas": [
            persona("Thrifty", [-1.25, -1.0, 0.75, 0.25]),
            persona("Comfortable", [-0.05, 0.35, 0.55, 0.45]),
            persona("Affluent", [1.3, 0.75, 0.25, 0.75]),
        ],
    }
    # Comfortable and Affluent become one persona between them.
    merged = {
        "features": [num("income", 50, 20), num("age", 40, 10), CHANNEL],
        "personas": [
            persona("Thrifty", [-1.5, -1.0, 0.8, 0.2]),
            persona("Comfortable", [0.9, 0.8, 0.35, 0.65]),
        ],
    }
    # Comfortable splits into a younger and an older half.
    split_rows = sample(23, [(20, 30), (50, 33), (50, 57), (80, 50)], 75, 5, lambda c, u: "web" if u < 0.5 else "store")
    split = {
        "features": [num("income", 50, 20), num("age", 40, 10), CHANNEL],
        "personas": [
            persona("Thrifty", [-1.5, -1.0, 0.8, 0.2]),
            persona("Comfortable", [0.0, 1.7, 0.5, 0.5]),
            persona("Affluent", [1.5, 1.0, 0.2, 0.8]),
            persona("Low age", [0.0, -0.7, 0.5, 0.5]),
        ],
    }
    # Scenarios name their sample, so rows two scenarios share are written once.
    samples = {"three": rows, "four": split_rows}
    return samples, [
        {"name": "shifted", "older": OLDER, "newer": shifted, "rows": "three"},
        {"name": "merged", "older": OLDER, "newer": merged, "rows": "three"},
        {"name": "split", "older": OLDER, "newer": split, "rows": "four"},
    ]


def ari_cases():
    g = Lcg(7)
    rand = [int(g.uniform() * 4) for _ in range(200)]
    rand2 = [int(g.uniform() * 3) for _ in range(200)]
    return [
        {"name": "identical", "a": [0, 0, 1, 1, 2, 2], "b": [5, 5, 3, 3, 4, 4]},
        {"name": "textbook", "a": [0, 0, 0, 1, 1, 1], "b": [0, 0, 1, 1, 2, 2]},
        {"name": "one cluster vs many", "a": [0, 0, 0, 0], "b": [0, 1, 2, 3]},
        {"name": "both one cluster", "a": [0, 0, 0], "b": [1, 1, 1]},
        {"name": "independent", "a": rand, "b": rand2},
        {"name": "worse than chance", "a": [0, 0, 1, 1], "b": [0, 1, 0, 1]},
    ]


samples, diff_scenarios = scenarios()
out = {
    "sklearn": sklearn.__version__,
    "scipy": scipy.__version__,
    "numpy": np.__version__,
    "ari": [dict(c, value=float(adjusted_rand_score(c["a"], c["b"]))) for c in ari_cases()],
    "samples": samples,
    "diffs": [dict(s, expected=diff(s["older"], s["newer"], samples[s["rows"]])) for s in diff_scenarios],
}
target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "persona_diff_values.ts")
with open(target, "w") as f:
    f.write("// Generated by persona_diff_reference.py (scikit-learn %s, scipy %s, numpy %s); do not edit by hand.\n"
            % (sklearn.__version__, scipy.__version__, np.__version__))
    f.write("export const REFERENCE = %s;\n" % json.dumps(out))
print("wrote", target)

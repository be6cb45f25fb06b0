# bench:predict's peer: the pipeline the predictor replaces, a Flask app scoring the same model
# artifact with scikit-learn (KMeans with the artifact's centroids) under Gunicorn.
# Run: MODEL_FILE=model.json gunicorn -w CORES -b HOST:PORT --chdir bench predict_flask:app
import json
import os

import numpy as np
from flask import Flask, jsonify, request
from sklearn.cluster import KMeans

with open(os.environ["MODEL_FILE"]) as f:
    artifact = json.load(f)
features = artifact["features"]
personas = artifact["personas"]
centres = np.array([p["scaled"] for p in personas], dtype=np.float64)
# A KMeans fitted on its own centres keeps them exactly: predict/transform score against them.
model = KMeans(n_clusters=len(centres), init=centres, n_init=1, max_iter=1).fit(centres)
names = [p["name"] for p in personas]
width = sum(1 if f["type"] == "numeric" else len(f["categories"]) for f in features)
one_hot = {f["name"]: {c: i for i, c in enumerate(f["categories"])} for f in features if f["type"] == "categorical"}

app = Flask(__name__)


def encode(row, i):
    x = np.zeros(width)
    at = 0
    for f in features:
        v = row.get(f["name"]) if isinstance(row, dict) else None
        if f["type"] == "numeric":
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise ValueError(f'instance {i}, feature "{f["name"]}": expected a number')
            x[at] = (v - f["mean"]) / f["scale"]
            at += 1
        else:
            idx = one_hot[f["name"]].get(v)
            if idx is None:
                raise ValueError(f'instance {i}, feature "{f["name"]}": unknown category')
            x[at + idx] = 1.0
            at += len(f["categories"])
    return x


@app.post("/v1/models/<target>")
def predict(target):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("instances"), list):
        return jsonify(error="body must be {\"instances\": [...]}"), 400
    try:
        X = np.array([encode(r, i) for i, r in enumerate(body["instances"])])
    except ValueError as e:
        return jsonify(error=str(e)), 400
    d = model.transform(X)
    order = np.argsort(d, axis=1)
    out = []
    for i, row in enumerate(d):
        a = order[i, 0]
        d1 = float(row[a])
        d2 = float(row[order[i, 1]]) if len(names) > 1 else 0.0
        conf = 1.0 if len(names) == 1 else (1.0 - d1 / d2 if d2 > 0 else 0.0)
        out.append({"persona": names[a], "personaId": int(a), "distance": d1, "confidence": conf})
    return jsonify(predictions=out)


@app.get("/readyz")
def ready():
    return jsonify(status="ready")

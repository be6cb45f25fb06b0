# The scikit-learn side of `bench:train --rows N`: reads the table from Postgres (psql's binary
# COPY, parsed straight into one float64 array), standardises it, and fits MiniBatchKMeans for
# each k with the trainer's settings; silhouette, Calinski-Harabasz and Davies-Bouldin on one
# seeded sample, as the trainer scores.
# argv: url table rows cols kmin kmax batch n_init max_epochs sample
import json, subprocess, sys, time
import numpy as np
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.preprocessing import StandardScaler
import sklearn

url, table = sys.argv[1], sys.argv[2]
n, d, kmin, kmax, batch, n_init, max_epochs, sample = map(int, sys.argv[3:11])
t0 = time.perf_counter()
cols = ", ".join(f"f{t}" for t in range(d))
p = subprocess.Popen(
    ["psql", url, "-X", "-q", "-c", f"COPY (SELECT {cols} FROM {table}) TO STDOUT (FORMAT binary)"],
    stdout=subprocess.PIPE,
)
f = p.stdout
f.read(19)  # signature, flags, empty header extension
fields = [("n", ">i2")]
for t in range(d):
    fields += [(f"l{t}", ">i4"), (f"v{t}", ">f8")]
row = np.dtype(fields)
X = np.empty((n, d))
chunk = 65536
i = 0
while i < n:
    m = min(chunk, n - i)
    a = np.frombuffer(f.read(m * row.itemsize), dtype=row, count=m)
    for t in range(d):
        X[i : i + m, t] = a[f"v{t}"]
    i += m
f.read()
p.wait()
load_s = time.perf_counter() - t0
Z = StandardScaler(copy=False).fit_transform(X)
idx = np.random.RandomState(0).choice(n, size=min(sample, n), replace=False)
per_k = []
for k in range(kmin, kmax + 1):
    km = MiniBatchKMeans(
        n_clusters=k, batch_size=batch, n_init=n_init, max_iter=max_epochs, random_state=0
    ).fit(Z)
    labels = km.labels_[idx]
    per_k.append({
        "k": k,
        "inertia": float(km.inertia_),
        "steps": int(km.n_steps_),
        "silhouette": float(silhouette_score(Z[idx], labels)),
        "calinskiHarabasz": float(calinski_harabasz_score(Z[idx], labels)),
        "daviesBouldin": float(davies_bouldin_score(Z[idx], labels)),
    })
print(json.dumps({
    "total_s": time.perf_counter() - t0,
    "load_s": load_s,
    "per_k": per_k,
    "version": sklearn.__version__,
}))

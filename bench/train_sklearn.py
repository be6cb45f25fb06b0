# The scikit-learn side of `npm run bench:train`: the same sweep on the same rows.
# argv: data.f64 (row-major float64) rows cols kmin kmax n_init silhouette_sample
import json, sys, time
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

path, n, d, kmin, kmax, n_init, sample = sys.argv[1], *map(int, sys.argv[2:8])
X = np.fromfile(path, dtype=np.float64).reshape(n, d)
t0 = time.perf_counter()
Z = StandardScaler().fit_transform(X)
per_k = []
kmeans_s = 0.0
silhouette_s = 0.0
for k in range(kmin, kmax + 1):
    a = time.perf_counter()
    km = KMeans(n_clusters=k, n_init=n_init, random_state=0).fit(Z)
    b = time.perf_counter()
    s = silhouette_score(Z, km.labels_, sample_size=sample, random_state=0)
    c = time.perf_counter()
    kmeans_s += b - a
    silhouette_s += c - b
    per_k.append({"k": k, "inertia": float(km.inertia_), "silhouette": float(s), "iterations": int(km.n_iter_)})
total = time.perf_counter() - t0
import sklearn
print(json.dumps({"total_s": total, "kmeans_s": kmeans_s, "silhouette_s": silhouette_s, "per_k": per_k, "version": sklearn.__version__}))

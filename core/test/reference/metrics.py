# Reference values for core/test/cluster-metrics.test.ts and kmeans.test.ts, computed with
# scikit-learn (Debian python3-sklearn). Run: /usr/bin/python3 core/test/reference/metrics.py
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.preprocessing import StandardScaler

X = np.array([
    [1.0, 2.0], [1.5, 1.8], [1.2, 2.2], [0.8, 1.9],
    [5.0, 8.0], [5.5, 8.5], [6.0, 7.5],
    [9.0, 1.0], [8.5, 1.5], [9.5, 0.5], [9.2, 1.2], [8.8, 0.9],
])
labels = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2])
print("silhouette", repr(silhouette_score(X, labels)))
print("calinski_harabasz", repr(calinski_harabasz_score(X, labels)))
print("davies_bouldin", repr(davies_bouldin_score(X, labels)))
# A singleton cluster (silhouette 0 for that point).
labels2 = np.array([0, 0, 0, 0, 1, 1, 3, 2, 2, 2, 2, 2])
print("silhouette_singleton", repr(silhouette_score(X, labels2)))
print("davies_bouldin_singleton", repr(davies_bouldin_score(X, labels2)))
print("calinski_harabasz_singleton", repr(calinski_harabasz_score(X, labels2)))

Z = StandardScaler().fit_transform(X)
for k in (2, 3, 4):
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(Z)
    print("inertia_standardised k=%d" % k, repr(km.inertia_))

# The same per-k metrics `persona train --json` prints (cli/test/train-predict-data.test.ts), from
# the kmeans labels on the standardised data.
for k in (2, 3, 4):
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(Z)
    print("cli k=%d" % k, repr(km.inertia_), repr(silhouette_score(Z, km.labels_)),
          repr(calinski_harabasz_score(Z, km.labels_)), repr(davies_bouldin_score(Z, km.labels_)))

#!/usr/bin/env python3
"""Reference values of test/select/umap.test.ts and test/evaluate/trustworthiness.test.ts.

  /usr/bin/python3 scripts/umap-reference.py

- umap-learn's find_ab_params (its code, scipy's curve_fit) for a few (spread, min_dist);
- scikit-learn's trustworthiness of fixed embeddings of fixtures/blobs.csv;
- when umap-learn is installed (Debian: apt-get install umap-learn, 0.5.3), the trustworthiness (k = 5) of its
  embeddings of fixtures/blobs.csv and of the z-scored complete rows of fixtures/subscribers.csv for seeds 1-3, and
  of scikit-learn's exact t-SNE of the same data: the bar the test holds our UMAP to.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from scipy.optimize import curve_fit
from sklearn.manifold import trustworthiness

root = Path(__file__).resolve().parent.parent


def find_ab_params(spread, min_dist):
    """umap.umap_.find_ab_params (umap-learn 0.5), verbatim."""

    def curve(x, a, b):
        return 1.0 / (1.0 + a * x ** (2 * b))

    xv = np.linspace(0, spread * 3, 300)
    yv = np.zeros(xv.shape)
    yv[xv < min_dist] = 1.0
    yv[xv >= min_dist] = np.exp(-(xv[xv >= min_dist] - min_dist) / spread)
    params, _ = curve_fit(curve, xv, yv)
    return params[0], params[1]


out = {"sklearn": sklearn.__version__, "ab": [], "trustworthiness": []}
for spread, min_dist in [(1.0, 0.1), (1.0, 0.0), (1.0, 0.5), (2.0, 0.25)]:
    a, b = find_ab_params(spread, min_dist)
    out["ab"].append({"spread": spread, "minDist": min_dist, "a": float(a), "b": float(b)})

# Fixed embeddings the test rebuilds from the same columns of fixtures/blobs.csv: (c0 + 0.5·c2, c1 − 0.3·c3) and
# (c0·c1, c2 − c3).
blobs = pd.read_csv(root / "fixtures" / "blobs.csv")
Xb = blobs[["x0", "x1", "x2", "x3"]].to_numpy(dtype=float)
Eb = np.column_stack([Xb[:, 0] + 0.5 * Xb[:, 2], Xb[:, 1] - 0.3 * Xb[:, 3]])
for k in (5, 12):
    out["trustworthiness"].append(
        {"data": "blobs", "k": k, "value": float(trustworthiness(Xb, Eb, n_neighbors=k))}
    )
Ep = np.column_stack([Xb[:, 0] * Xb[:, 1], Xb[:, 2] - Xb[:, 3]])
out["trustworthiness"].append(
    {"data": "blobs-product", "k": 5, "value": float(trustworthiness(Xb, Ep, n_neighbors=5))}
)
subs = pd.read_csv(root / "fixtures" / "subscribers.csv")
Xs = subs[["recency_days", "frequency", "revenue", "tenure_days"]].dropna().to_numpy(dtype=float)
Xs = (Xs - Xs.mean(0)) / Xs.std(0)
try:
    import warnings

    import umap
    from sklearn.manifold import TSNE

    warnings.filterwarnings("ignore")
    out["umapLearn"] = {"version": umap.__version__ if hasattr(umap, "__version__") else "?"}
    for name, X in (("blobs", Xb), ("subscribers", Xs)):
        values = [
            float(trustworthiness(X, umap.UMAP(random_state=s).fit_transform(X), n_neighbors=5)) for s in (1, 2, 3)
        ]
        t = TSNE(method="exact", init="pca", learning_rate="auto", random_state=1).fit_transform(X)
        out["umapLearn"][name] = {"umap": values, "sklearnTsne": float(trustworthiness(X, t, n_neighbors=5))}
except ImportError:
    pass
print(json.dumps(out, indent=1))

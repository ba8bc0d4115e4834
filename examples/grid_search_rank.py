"""
Choose the rank with GridSearchCV, around a network that is already trained
===========================================================================

A fitted ``MLPClassifier`` is wrapped in ``FrozenEstimator`` so the grid
search only compresses it: the network itself is never refit. Each candidate
rank is scored by cross-validation; the table shows what each one costs in
accuracy and saves in parameters.

The frozen network was trained on these same rows, so its cross-validation
scores are optimistic (here 1.000 at rank 32 against 0.976 on the test set):
compare ranks with each other, and judge the chosen model on held-out data.
"""

from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
network = MLPClassifier((100,), max_iter=500, random_state=0).fit(
    scaler.transform(X_train), y_train
)

model = make_pipeline(
    scaler, SVDCompressedMLPClassifier(FrozenEstimator(network), random_state=0)
)
search = GridSearchCV(
    model,
    {
        "svdcompressedmlpclassifier__rank": [4, 8, 16, 32, 0.8],
        "svdcompressedmlpclassifier__method": ["svd", "truncated"],
    },
    cv=3,
).fit(X_train, y_train)

baseline = network.score(scaler.transform(X_test), y_test)
print(f"uncompressed network: test accuracy {baseline:.4f}")
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
):
    method = params["svdcompressedmlpclassifier__method"]
    rank = params["svdcompressedmlpclassifier__rank"]
    print(f"{method:9s} rank={rank!s:4s} cv accuracy {score:.4f}")
best = search.best_estimator_[-1]
print("best:", search.best_params_)
print(
    f"test accuracy {search.score(X_test, y_test):.4f}, "
    f"{best.n_params_:,} of {best.n_params_original_:,} parameters "
    f"(compression ratio {best.compression_ratio_:.2f})"
)
print(best.summary())

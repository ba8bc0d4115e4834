"""
Choose the rank with GridSearchCV in a Pipeline
===============================================

``GridSearchCV`` over ``rank`` (and ``method``) is how you choose how hard to
compress. Here the network is part of the pipeline, so every candidate is
scored on data its network never saw. ``memory`` caches the fitted network:
it is trained once per fold, not once per candidate.

:func:`~sklearn_svdmlp.compression_ratio_scorer` records each candidate's
size next to its accuracy, a ``refit`` callable picks the smallest model
within one point of the best, and
:meth:`~sklearn_svdmlp.CompressionCurveDisplay.from_cv_results` draws the
search.
"""

# %%
# The search
# ----------
import shutil
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import (
    CompressionCurveDisplay,
    SVDCompressedMLPClassifier,
    compression_ratio_scorer,
)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

cache = tempfile.mkdtemp()
pipeline = make_pipeline(
    StandardScaler(),
    SVDCompressedMLPClassifier(
        MLPClassifier((100,), max_iter=500, random_state=0),
        memory=cache,
        keep_original=True,  # the network, to compare with below
        random_state=0,
    ),
)


def smallest_within_one_point(cv_results):
    """The most compressed candidate within 0.01 of the best mean accuracy."""
    accuracy = cv_results["mean_test_accuracy"]
    ratio = np.where(
        accuracy >= accuracy.max() - 0.01, cv_results["mean_test_compression_ratio"], 0
    )
    return int(np.argmax(ratio))


search = GridSearchCV(
    pipeline,
    {
        "svdcompressedmlpclassifier__rank": [None, 0.8, 32, 16, 8, 4, 2],
        "svdcompressedmlpclassifier__method": ["svd", "truncated"],
    },
    scoring={"accuracy": "accuracy", "compression_ratio": compression_ratio_scorer},
    refit=smallest_within_one_point,
    cv=3,
).fit(X_train, y_train)
shutil.rmtree(cache)

results = search.cv_results_
for params, accuracy, ratio in zip(
    results["params"],
    results["mean_test_accuracy"],
    results["mean_test_compression_ratio"],
    strict=True,
):
    print(
        f"{params['svdcompressedmlpclassifier__method']:9s} "
        f"rank={params['svdcompressedmlpclassifier__rank']!s:4s} "
        f"cv accuracy {accuracy:.4f}, compression ratio {ratio:.2f}"
    )

# %%
# The candidates, one curve per method
# ------------------------------------
display = CompressionCurveDisplay.from_cv_results(
    results,
    metric="accuracy",
    group_by="svdcompressedmlpclassifier__method",
    score_name="cross-validated accuracy",
)
chosen = search.best_index_
display.ax_.plot(
    results["mean_test_compression_ratio"][chosen],
    results["mean_test_accuracy"][chosen],
    marker="*",
    markersize=16,
    color="gold",
    markeredgecolor="black",
    linestyle="none",
    label="chosen",
)
display.ax_.legend()
plt.show()

# %%
# The chosen model, refitted on all the training data and judged on the
# held-out test set
# ----------------------------------------------------------------------
# (With several scores and a ``refit`` callable, ``search.score`` is not
# defined: score the refitted pipeline itself.)
scaler, best = search.best_estimator_
print("chosen:", search.best_params_)
print(
    f"test accuracy {search.best_estimator_.score(X_test, y_test):.4f} against "
    f"{best.estimator_.score(scaler.transform(X_test), y_test):.4f} for its "
    f"network; {best.n_params_:,} of {best.n_params_original_:,} parameters "
    f"(compression ratio {best.compression_ratio_:.2f})"
)
print(best.summary())

"""ONNX export through skl2onnx (``pip install "sklearn-svdmlp[onnx]"``).

Importing this module registers converters, so that ``skl2onnx.to_onnx``
converts a fitted :class:`~sklearn_svdmlp.SVDCompressedMLPClassifier` (with
the usual classifier options ``zipmap``, ``nocl`` and
``output_class_labels``) or :class:`~sklearn_svdmlp.SVDCompressedMLPRegressor`,
alone or inside a ``Pipeline`` (either may be in a ``FrozenEstimator``).
In a pipeline ending in one, ``"passthrough"``
steps are skipped and a ``FrozenEstimator`` step converts as the estimator it
holds; an unfitted ``StandardScaler`` raises ``NotFittedError``, and one
fitted on another number of features than the model a ``ValueError``. The
graph keeps the factors: a factored layer becomes two ``MatMul`` nodes, so
the ONNX model is as small as the compressed one. A truncated model's head
is converted when it is linear (``LogisticRegression`` or ``Ridge``, the
defaults, or one logistic regression per label for multilabel targets) or a
multi-layer perceptron.

Examples
--------
>>> import numpy as np
>>> import onnxruntime
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_iris
>>> from sklearn.neural_network import MLPClassifier
>>> from sklearn_svdmlp import SVDCompressedMLPClassifier
>>> import sklearn_svdmlp.onnx  # registers the converter
>>> X, y = load_iris(return_X_y=True)
>>> X = X.astype(np.float32)
>>> model = SVDCompressedMLPClassifier(
...     MLPClassifier((20,), solver="lbfgs", max_iter=500, random_state=0), rank=2
... ).fit(X, y)
>>> onx = to_onnx(model, X[:1], options={"zipmap": False})
>>> [node.op_type for node in onx.graph.node][:5]
['Cast', 'MatMul', 'MatMul', 'Add', 'Relu']
>>> session = onnxruntime.InferenceSession(onx.SerializeToString())
>>> labels, proba = session.run(None, {"X": X})
>>> bool((labels == model.predict(X)).all())
True
"""

from ._export._onnx import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor

__all__ = ["SVDCompressedMLPClassifier", "SVDCompressedMLPRegressor"]

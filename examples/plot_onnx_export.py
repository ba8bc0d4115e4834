"""
Export to ONNX: size and speed
==============================

``import sklearn_svdmlp.onnx`` registers converters with skl2onnx (extra
``onnx``), so ``skl2onnx.to_onnx`` turns a compressed model into an ONNX graph
that onnxruntime runs without scikit-learn. Each factored layer stays two
thin ``MatMul`` nodes, so the file is as small as the compressed model and
the graph does as few multiply-adds. This example exports a network and its
compressed version and compares file size, agreement and onnxruntime's
speed.
"""

# %%
# A network and its compressed version
# ------------------------------------
import timeit
import warnings
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import sklearn_svdmlp.onnx  # noqa: F401  (registers the converters)
from sklearn_svdmlp import SVDCompressedMLPClassifier

X, y = load_digits(return_X_y=True)
X = (X / 16).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    network = MLPClassifier((1024, 512), max_iter=30, random_state=0).fit(
        X_train, y_train
    )
model = SVDCompressedMLPClassifier(
    FrozenEstimator(network), rank="auto", target_ratio=6, random_state=0
).fit(X_train, y_train)
print(
    f"network {model.n_params_original_:,} parameters, test accuracy "
    f"{network.score(X_test, y_test):.4f}; compressed {model.n_params_:,} "
    f"(compression ratio {model.compression_ratio_:.2f}, ranks {model.ranks_}), "
    f"test accuracy {model.score(X_test, y_test):.4f}"
)

# %%
# Export both
# -----------
# ``zipmap=False`` returns the probabilities as one array rather than a list
# of dictionaries. The network goes through skl2onnx's own ``MLPClassifier``
# converter.
options = {"zipmap": False}
graphs = {
    "MLPClassifier": to_onnx(network, X[:1], options=options),
    "compressed": to_onnx(model, X[:1], options=options),
}
sessions = {
    name: onnxruntime.InferenceSession(
        graph.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    for name, graph in graphs.items()
}
sizes = {name: len(graph.SerializeToString()) for name, graph in graphs.items()}
for name, graph in graphs.items():
    matmuls = sum(node.op_type == "MatMul" for node in graph.graph.node)
    print(f"{name:13s}: {sizes[name] / 1024:7.1f} KiB, {matmuls} MatMul nodes")

labels, probabilities = sessions["compressed"].run(None, {"X": X_test})
print(
    "compressed graph against predict_proba: labels equal "
    f"{bool(np.array_equal(labels, model.predict(X_test)))}, largest probability "
    f"difference {np.abs(probabilities - model.predict_proba(X_test)).max():.1e}"
)


# %%
# Speed
# -----
# The fastest of 20 runs of each session on the 450 test images at once, and
# the median of 500 runs on one image (after one warm-up run each).
one_image = X_test[:1]
batch_ms, row_us = {}, {}
for name, session in sessions.items():
    run_batch = partial(session.run, None, {"X": X_test})
    run_row = partial(session.run, None, {"X": one_image})
    run_batch(), run_row()
    batch_ms[name] = 1e3 * min(timeit.repeat(run_batch, number=1, repeat=20))
    row_us[name] = 1e6 * np.median(timeit.repeat(run_row, number=1, repeat=500))
    print(
        f"{name:13s}: {batch_ms[name]:6.2f} ms for {len(X_test)} images, "
        f"{row_us[name]:6.1f} us for one"
    )
smaller = sizes["MLPClassifier"] / sizes["compressed"]
faster = batch_ms["MLPClassifier"] / batch_ms["compressed"]
print(f"compressed: file x{smaller:.2f} smaller, batch x{faster:.2f} faster")

# %%
# Size and time side by side
# --------------------------
# The file shrinks by the compression ratio. The time shrinks too, but by less
# than the multiply-adds do, as it does without ONNX; the printed figures above
# are those of the machine that built this page, and vary from run to run.
# ``docs/benchmarks.rst`` measures the compressed model's own forward pass
# against scikit-learn on larger networks.
fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
names = list(graphs)
colors = ["tab:gray", "tab:blue"]
for ax, values, title in zip(
    axes,
    [
        [sizes[name] / 1024 for name in names],
        [batch_ms[name] for name in names],
        [row_us[name] for name in names],
    ],
    ["ONNX file (KiB)", f"{len(X_test)} images (ms)", "one image (us)"],
    strict=True,
):
    ax.bar(names, values, color=colors)
    ax.set_title(title)
fig.tight_layout()
plt.show()

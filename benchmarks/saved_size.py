"""What a saved model weighs, with and without the network it compressed.

Issue 29's example: a 64-256-128-10 ``MLPClassifier`` on ``load_digits``
(scaled to [0, 1], trained 30 epochs) compressed as a ``FrozenEstimator``
with ``rank=8, quantize="int4"``, saved with pickle and with skops (stored,
as ``skops.io.dump`` does by default, and deflated), by default and with
``keep_original=True`` (what every fitted model saved before).

Run: ``python benchmarks/saved_size.py``
"""

import pickle
import warnings
import zipfile

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    X = X / 16
    network = MLPClassifier((256, 128), max_iter=30, random_state=0).fit(X, y)
    print(f"network: {len(pickle.dumps(network)):,} bytes pickled")
    try:
        import skops.io as sio
    except ImportError:
        sio = None
    for keep_original in (False, True):
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            rank=8,
            quantize="int4",
            keep_original=keep_original,
        ).fit(X, y)
        sizes = [f"pickle {len(pickle.dumps(model)):,}"]
        if sio is not None:
            stored = len(sio.dumps(model))
            deflated = len(sio.dumps(model, compression=zipfile.ZIP_DEFLATED))
            sizes += [f"skops {stored:,} (deflated {deflated:,})"]
        print(
            f"keep_original={keep_original}: n_bytes_ {model.n_bytes_:,} "
            f"(network {model.n_bytes_original_:,}); saved: " + ", ".join(sizes)
        )


if __name__ == "__main__":
    main()

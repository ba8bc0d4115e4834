"""``keep_inputs="auto"``: what it chooses and what it costs, on digits.

scikit-learn's digits (scaled to [0, 1]): a quarter held out for testing, a
fifth of the rest as the held-out data the searches score on (``X_val``),
an ``MLPClassifier((64,))`` trained on the remaining 1,077 rows and frozen.
For ``rank="auto", quantize="auto"`` with ``target_bytes`` 2000 and 1200 and
with ``max_score_drop=0.01``: the fit's time (median of three) with
``keep_inputs=None`` and ``"auto"``, the inputs read, the bytes stored, the
test accuracy, and each count ``"auto"`` tried (``input_candidates_``).

Run: ``python benchmarks/keep_inputs_auto.py``
"""

import statistics
import time
import warnings

from _common import machine
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier

SETTINGS = [
    {"target_bytes": 2000},
    {"target_bytes": 1200},
    {"max_score_drop": 0.01},
]


def main():
    warnings.simplefilter("ignore")
    print(machine())
    X, y = load_digits(return_X_y=True)
    X = X / 16
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_train, y_train, test_size=0.2, random_state=0, stratify=y_train
    )
    network = MLPClassifier((64,), max_iter=300, random_state=0).fit(X_fit, y_fit)
    print(f"network: test accuracy {network.score(X_test, y_test):.4f}")
    for setting in SETTINGS:
        seconds = {}
        for keep_inputs in [None, "auto"]:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                model = SVDCompressedMLPClassifier(
                    FrozenEstimator(network),
                    rank="auto",
                    quantize="auto",
                    keep_inputs=keep_inputs,
                    random_state=0,
                    **setting,
                ).fit(X_fit, y_fit, X_val=X_val, y_val=y_val)
                times.append(time.perf_counter() - start)
            seconds[keep_inputs] = statistics.median(times)
            print(
                f"{setting} keep_inputs={keep_inputs}: {seconds[keep_inputs]:.2f} s, "
                f"{len(model.inputs_kept_)} inputs read, {model.n_bytes_:,} bytes, "
                f"test accuracy {model.score(X_test, y_test):.4f}"
            )
        for row in model.input_candidates_:
            print(
                "    ",
                {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()},
            )
        print(f"    'auto' took {seconds['auto'] / seconds[None]:.1f} times as long")


if __name__ == "__main__":
    main()

"""An integer-only regressor's output headroom: resolution lost, clipping avoided.

For each headroom (the int16 outputs hold that many times the largest
training prediction), on held-out rows of three regression sets: R^2 of
the integer-only model; the largest change of a prediction from headroom 1
(the resolution lost, in standard deviations of the target); and, on the
held-out rows moved 1.5 times further from the mean (inputs beyond the
training range), the share of outputs clipped at the end of the int16
range and the largest gap to the float network (in standard deviations).
The default,
``OUTPUT_HEADROOM`` in ``sklearn_svdmlp/_network/_integer.py``, is
chosen from this table.

    python benchmarks/headroom.py
"""

import warnings

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

import sklearn_svdmlp._compression._integer as integer
from sklearn_svdmlp import SVDCompressedMLPRegressor

HEADROOMS = (1.0, 1.25, 1.5, 2.0, 4.0, 8.0)


def datasets():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X, y
    X, y = make_friedman1(n_samples=2000, noise=0.5, random_state=0)
    yield "friedman1", X, y
    X, y = make_regression(n_samples=2000, n_features=20, noise=5, random_state=0)
    yield "linear", X, y


def main():
    print("data       headroom    R^2  change (sd)  clipped x1.5  gap x1.5 (sd)")
    for name, X, y in datasets():
        X = StandardScaler().fit_transform(X)
        y = (y - y.mean()) / y.std()
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
        network = MLPRegressor(hidden_layer_sizes=(64,), max_iter=500, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            network.fit(X_train, y_train)
        X_far = 1.5 * X_test
        reference, first = network.predict(X_far), None
        for headroom in HEADROOMS:
            integer.OUTPUT_HEADROOM = headroom
            model = SVDCompressedMLPRegressor(
                network, rank=[8, None], quantize="int8", integer_only=True
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X_train, y_train)
                predicted = model.predict(X_test)
                far = model.predict(X_far)
            first = predicted if first is None else first
            logits = model.network_.integer_outputs(
                model.network_.quantize_input(X_far)
            )
            print(
                f"{name:10} {headroom:8.2f} {r2_score(y_test, predicted):6.3f} "
                f"{np.max(np.abs(predicted - first)):12.5f} "
                f"{np.mean(np.abs(logits) >= 32767):12.1%} "
                f"{np.max(np.abs(far - reference)):14.3f}"
            )


if __name__ == "__main__":
    main()

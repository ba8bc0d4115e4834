"""How much lower a network scores on validation data than on its training data.

``fit`` warns that ``X_val`` may not be transformed as ``X`` is (a
``Pipeline`` passes ``X_val`` as given unless told with
``transform_input=["X_val"]``) when a classifier's accuracy is more than
``UNTRANSFORMED_GAP`` lower on it. This measures the gap (accuracy, or R^2
for the diabetes regressor, which is why R^2 is not checked) on honest
validation data (scaled as the training data) and on the same data left
unscaled: five data sets, ``StandardScaler`` or ``MinMaxScaler``, three
network sizes, three 75/25 splits; the largest honest gap and the smallest
unscaled one per data set and scaler.

Run: ``python benchmarks/validation_gap.py``
"""

import warnings

from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_svdmlp._estimators._validation_data import UNTRANSFORMED_GAP


def gaps(dataset, scaler, hidden, seed):
    """The network's score on its training data minus on validation data."""
    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.25, random_state=seed
    )
    scaler = scaler.fit(X_train)
    if dataset == "diabetes":
        network = MLPRegressor(
            hidden_layer_sizes=hidden, max_iter=2000, random_state=seed
        )
    else:
        network = MLPClassifier(hidden, max_iter=500, random_state=seed)
    network.fit(scaler.transform(X_train), y_train)
    trained = network.score(scaler.transform(X_train), y_train)
    return (
        trained - network.score(scaler.transform(X_val), y_val),
        trained - network.score(X_val, y_val),
    )


def main():
    warnings.simplefilter("ignore")  # the networks' convergence
    print(f"UNTRANSFORMED_GAP = {UNTRANSFORMED_GAP}")
    for dataset in ("digits", "wine", "iris", "breast_cancer", "diabetes"):
        for scaler in (StandardScaler(), MinMaxScaler()):
            measured = [
                gaps(dataset, scaler, hidden, seed)
                for hidden in ((16,), (100,), (64, 32))
                for seed in range(3)
            ]
            honest = max(gap for gap, _ in measured)
            unscaled = min(gap for _, gap in measured)
            print(
                f"{dataset:13s} {type(scaler).__name__:14s} largest honest gap "
                f"{honest:+.3f}, smallest unscaled gap {unscaled:+.3f}"
            )


if __name__ == "__main__":
    main()

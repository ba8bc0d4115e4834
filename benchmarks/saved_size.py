"""What a saved model weighs, with and without the network it compressed.

Issue 29's example: a 64-256-128-10 ``MLPClassifier`` on ``load_digits``
(scaled to [0, 1], trained 30 epochs) compressed as a ``FrozenEstimator``
with ``rank=8, quantize="int4"``, saved with pickle and with skops (stored,
as ``skops.io.dump`` does by default, and deflated), by default and with
``keep_original=True`` (what every fitted model saved before). Then other
configurations of both estimators (the regressor's network: 10-256-128-1 on
``load_diabetes``, 30 epochs), each against the limit of issue 29,
2 x ``n_bytes_`` + 32 KB, and the types skops asks to trust.

Run: ``python benchmarks/saved_size.py``
"""

import pickle
import warnings
import zipfile

from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor

CONFIGURATIONS = [
    dict(rank=8),
    dict(rank=8, quantize="int8"),
    dict(rank=8, quantize="int4"),
    dict(rank=8, quantize="int8", integer_only=True),
    dict(rank=8, quantize="int4", integer_only=True),
    dict(method="truncated", rank=1),
    dict(rank="auto", quantize="auto", max_score_drop=0.02),
]


def sizes(model, sio):
    """Bytes of ``model`` pickled, and saved by skops stored and deflated."""
    found = {"pickle": len(pickle.dumps(model))}
    if sio is not None:
        found["skops"] = len(sio.dumps(model))
        found["deflated"] = len(sio.dumps(model, compression=zipfile.ZIP_DEFLATED))
    return found


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    X = X / 16
    network = MLPClassifier((256, 128), max_iter=30, random_state=0).fit(X, y)
    X_r, y_r = load_diabetes(return_X_y=True)
    regression = MLPRegressor(hidden_layer_sizes=(256, 128), max_iter=30)
    regression.set_params(random_state=0).fit(X_r, y_r)
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
        found = ", ".join(f"{k} {v:,}" for k, v in sizes(model, sio).items())
        print(
            f"keep_original={keep_original}: n_bytes_ {model.n_bytes_:,} "
            f"(network {model.n_bytes_original_:,}); saved: {found}"
        )
        if sio is not None:
            trusted = sio.get_untrusted_types(data=sio.dumps(model))
            print(f"  skops asks to trust: {trusted}")
    print("\nconfiguration | n_bytes_ | limit | pickle | skops | skops deflated")
    for estimator_type, fitted, X_fit, y_fit in [
        (SVDCompressedMLPClassifier, network, X, y),
        (SVDCompressedMLPRegressor, regression, X_r, y_r),
    ]:
        for config in CONFIGURATIONS:
            model = estimator_type(FrozenEstimator(fitted), random_state=0, **config)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                model.fit(X_fit, y_fit)
            limit = 2 * model.n_bytes_ + 32 * 1024
            found = sizes(model, sio)
            within = "" if max(found.values()) <= limit else " OVER"
            name = type(model).__name__.removeprefix("SVDCompressedMLP")
            cells = " | ".join(f"{v:,}" for v in found.values())
            print(f"{name} {config} | {model.n_bytes_:,} | {limit:,} | {cells}{within}")


if __name__ == "__main__":
    main()

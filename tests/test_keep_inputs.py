"""keep_inputs: the model reads only the inputs kept, on every backend."""

import copy
import ctypes
import pickle
import re
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _helpers import compiled
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    export_c,
    quantize_input,
)
from sklearn_svdmlp._compression._input_choice import choose_inputs, first_layer_on
from sklearn_svdmlp._estimators._input_search import (
    counts_between,
    every_row,
    input_counts,
)
from sklearn_svdmlp._estimators._inputs import n_inputs_kept
from sklearn_svdmlp.device import emulate

FLOAT, INT8 = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int8)
needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")


@pytest.fixture(scope="module")
def digits():
    """A small digits network (64 inputs, some constant) and its data."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:600] / 16, y[:600]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((16,), max_iter=60, random_state=0).fit(X, y)
    return X, y, mlp


def fitted(X, y, mlp, X_val=None, y_val=None, **params):
    params = {"rank": [6, None], **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
        return SVDCompressedMLPClassifier(FrozenEstimator(mlp), **params).fit(
            X, y, X_val=X_val, y_val=y_val
        )


def dropped_changed(model, X, seed=0):
    """``X`` with every input the model does not read replaced by noise."""
    dropped = np.setdiff1d(np.arange(X.shape[1]), model.inputs_kept_)
    changed = X.copy()
    noise = np.random.default_rng(seed).normal(0, 5, (X.shape[0], dropped.size))
    changed[:, dropped] = noise
    return changed


def each_row(function, X, n_outputs=None, dtype=np.float32):
    """``function`` on each row of ``X``: its return value, or its outputs."""
    out = None if n_outputs is None else (ctypes.c_float * n_outputs)()
    rows = []
    for row in np.ascontiguousarray(X, dtype=dtype):
        pointer = row.ctypes.data_as(INT8 if dtype == np.int8 else FLOAT)
        if out is None:
            rows.append(function(pointer))
        else:
            function(pointer, out)
            rows.append(list(out))
    return np.array(rows)


QUANTIZE = [None, "int8", "int4"]


@pytest.mark.parametrize("quantize", QUANTIZE)
def test_the_model_reads_only_the_inputs_kept(digits, quantize):
    X, y, mlp = digits
    model = fitted(X, y, mlp, keep_inputs=20, quantize=quantize)
    assert model.inputs_kept_.dtype == np.int64
    assert len(model.inputs_kept_) == 20
    assert np.all(np.diff(model.inputs_kept_) > 0)
    first = model.layers_[0].affine_steps()[0]
    assert first.values.shape[0] == 20
    np.testing.assert_array_equal(first.inputs.indices, model.inputs_kept_)
    np.testing.assert_array_equal(
        model.predict_proba(dropped_changed(model, X)), model.predict_proba(X)
    )
    everything = fitted(X, y, mlp, quantize=quantize)
    assert model.n_bytes_ < everything.n_bytes_
    assert model.n_params_ < everything.n_params_
    assert model.network_.n_multiply_adds < everything.network_.n_multiply_adds
    assert model.n_params_original_ == everything.n_params_original_
    assert model.score(X, y) > 0.3  # chance: 0.1


def test_uncompressed_it_is_the_network_with_its_first_layer_on_the_kept(digits):
    """``rank=None``: the network, its first layer refitted on the kept inputs."""
    X, y, mlp = digits
    model = fitted(X, y, mlp, rank=None, keep_inputs=30)
    kept = model.inputs_kept_
    np.testing.assert_array_equal(kept, choose_inputs(X, mlp.coefs_[0], 30))
    reduced = copy.deepcopy(mlp)
    weights, bias = first_layer_on(X, mlp.coefs_[0], mlp.intercepts_[0], kept)
    reduced.coefs_[0], reduced.intercepts_[0] = weights, bias
    reduced.n_features_in_ = len(kept)
    np.testing.assert_allclose(
        model.predict_proba(X),
        reduced.predict_proba(X[:, kept]),
        rtol=1e-10,
        atol=1e-12,
    )


def test_none_reads_what_the_model_reads(digits):
    """Every input in float; an int8 first layer skips constant ones, and says so."""
    X, y, mlp = digits
    model = fitted(X, y, mlp)
    np.testing.assert_array_equal(model.inputs_kept_, np.arange(64))
    assert model.layers_[0].affine_steps()[0].inputs is None
    assert "inputs read" not in str(model.summary())
    varying = np.flatnonzero(X.max(axis=0) > X.min(axis=0))
    quantized = fitted(X, y, mlp, quantize="int8")
    np.testing.assert_array_equal(quantized.inputs_kept_, varying)
    assert f"inputs read: {varying.size} of 64" in str(quantized.summary())
    assert "_kept" not in export_c(quantized)


def test_a_fraction_of_the_inputs_not_constant(digits):
    X, y, mlp = digits
    n_varying = int(np.sum(X.max(axis=0) > X.min(axis=0)))
    assert n_varying < 64
    model = fitted(X, y, mlp, keep_inputs=0.5)
    assert len(model.inputs_kept_) == int(np.ceil(0.5 * n_varying))
    assert np.all(X[:, model.inputs_kept_].std(axis=0) > 0)
    assert len(fitted(X, y, mlp, keep_inputs=1e-9).inputs_kept_) == 1
    assert len(fitted(X, y, mlp, keep_inputs=1.0).inputs_kept_) == n_varying
    summary = str(fitted(X, y, mlp, keep_inputs=10).summary())
    assert "inputs read: 10 of 64" in summary


@pytest.mark.parametrize(
    "keep_inputs, error",
    [
        (0, "an int in the range"),
        (-1, "an int in the range"),
        (1.5, "a float in the range"),
        (0.0, "a float in the range"),
        ("all", "keep_inputs"),
    ],
)
def test_bad_values_are_refused(digits, keep_inputs, error):
    X, y, mlp = digits
    with pytest.raises(ValueError, match=error):
        fitted(X, y, mlp, keep_inputs=keep_inputs)


def test_more_than_the_inputs_not_constant_is_an_error(digits):
    X, y, mlp = digits
    n_varying = int(np.sum(X.max(axis=0) > X.min(axis=0)))
    with pytest.raises(ValueError, match=f"keep_inputs=64 .* the {n_varying} inputs"):
        fitted(X, y, mlp, keep_inputs=64)
    with pytest.raises(TypeError, match="keep_inputs"):
        fitted(X, y, mlp, keep_inputs=True)


def test_every_input_constant_leaves_none_to_keep():
    X, y = np.ones((30, 4)), np.arange(30) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((3,), max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="keep_inputs=0.5 .* there are none"):
        fitted(X, y, mlp, keep_inputs=0.5)
    with pytest.raises(ValueError, match="keep_inputs=1 is more than the 0 inputs"):
        fitted(X, y, mlp, keep_inputs=1)
    with pytest.raises(ValueError, match="keep_inputs='auto' keeps a fraction"):
        fitted(X, y, mlp, rank="auto", target_bytes=200, keep_inputs="auto")


def test_constant_inputs_are_never_kept():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 8))
    X[:, [1, 4]] = 3.0
    y = (X[:, 0] + X[:, 2] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((8,), max_iter=200, random_state=0).fit(X, y)
    model = fitted(X, y, mlp, keep_inputs=6, quantize="int8")
    np.testing.assert_array_equal(model.inputs_kept_, [0, 2, 3, 5, 6, 7])
    # The constant inputs' share is in the first bias: same predictions.
    np.testing.assert_allclose(
        model.predict_proba(X),
        fitted(X, y, mlp, keep_inputs=6).predict_proba(X),
        atol=0.05,
    )


def test_rows_of_zero_weight_are_as_if_removed(digits):
    X, y, mlp = digits
    weight = np.where(np.arange(len(X)) % 3 == 0, 0.0, 1.0)
    X_zeroed = X.copy()
    X_zeroed[weight == 0] = np.random.default_rng(0).normal(size=(200, 64))
    weighted = fitted(X_zeroed, y, mlp, keep_inputs=20)  # sample_weight below
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = weighted.fit(X_zeroed, y, sample_weight=weight)
    removed = fitted(X[weight > 0], y[weight > 0], mlp, keep_inputs=20)
    np.testing.assert_array_equal(weighted.inputs_kept_, removed.inputs_kept_)
    np.testing.assert_allclose(
        weighted.predict_proba(X), removed.predict_proba(X), rtol=1e-10
    )


def test_a_pipeline_with_a_scaler_and_feature_names(digits):
    X, y, mlp = digits
    names = [f"pixel{i}" for i in range(64)]
    frame = pd.DataFrame(X * 16, columns=names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline = make_pipeline(
            StandardScaler(),
            SVDCompressedMLPClassifier(
                MLPClassifier((16,), max_iter=60, random_state=0),
                rank=[6, None],
                keep_inputs=12,
                quantize="int8",
            ),
        ).fit(frame, y)
    model = pipeline[-1]
    kept = model.inputs_kept_
    assert len(kept) == 12
    np.testing.assert_array_equal(
        pipeline[:-1].get_feature_names_out()[kept], np.array(names)[kept]
    )
    changed = pd.DataFrame(dropped_changed(model, frame.to_numpy()), columns=names)
    np.testing.assert_array_equal(pipeline.predict(changed), pipeline.predict(frame))


def test_feature_names_of_the_inputs_kept(digits):
    X, y, mlp = digits
    names = np.array([f"p{i}" for i in range(64)], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=60, random_state=0),
            rank=[6, None],
            keep_inputs=8,
        ).fit(pd.DataFrame(X, columns=names), y)
    assert list(model.feature_names_in_[model.inputs_kept_]) == [
        f"p{i}" for i in model.inputs_kept_
    ]
    assert model.n_features_in_ == 64


def test_sparse_input(digits):
    X, y, mlp = digits
    dense = fitted(X, y, mlp, keep_inputs=16)
    sparse = fitted(sp.csr_matrix(X), y, mlp, keep_inputs=16)
    np.testing.assert_array_equal(sparse.inputs_kept_, dense.inputs_kept_)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), atol=1e-10
    )


@pytest.mark.parametrize(
    "params",
    [
        dict(method="truncated", rank=4),
        dict(svd_on="outputs", quantize="int8"),
        dict(fine_tune_epochs=2, quantize="int8", random_state=0),
        dict(rank="auto", target_bytes=600, quantize="auto", random_state=0),
        dict(rank="auto", max_score_drop=0.05, random_state=0),
        dict(quantize="int4", integer_only=True),
    ],
    ids=["truncated", "outputs", "fine-tuned", "target_bytes", "score drop", "int4"],
)
def test_with_every_way_of_compressing(digits, params):
    X, y, mlp = digits
    model = fitted(X, y, mlp, keep_inputs=24, **params)
    assert len(model.inputs_kept_) == 24
    np.testing.assert_array_equal(
        model.predict(dropped_changed(model, X)), model.predict(X)
    )
    if "target_bytes" in params:
        assert model.n_bytes_ <= params["target_bytes"]
        assert max(c["n_bytes"] for c in model.candidates_) <= params["target_bytes"]
    assert model.score(X, y) > 0.3


def test_the_regressor(digits):
    X, _, _ = digits
    y = X[:, 20] - X[:, 43] + 0.1 * X[:, 30]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPRegressor(
            MLPRegressor(hidden_layer_sizes=(16,), max_iter=200, random_state=0),
            rank=[4, None],
            keep_inputs=10,
        ).fit(X, y)
    assert {20, 43} <= set(model.inputs_kept_.tolist())
    np.testing.assert_allclose(
        model.predict(dropped_changed(model, X)), model.predict(X)
    )


def header_kept(source, prefix):
    """The kept inputs a C file's macros list."""
    upper = prefix.upper()
    n_kept = int(re.search(rf"#define {upper}_N_KEPT (\d+)", source).group(1))
    listing = re.search(rf"#define {upper}_KEPT_INPUTS \{{([^}}]*)\}}", source)
    kept = [int(cell) for cell in re.findall(r"\d+", listing.group(1))]
    assert len(kept) == n_kept
    return kept


@needs_cc
@pytest.mark.parametrize(
    "quantize, scaled", [(None, False), ("int8", False), ("int4", False), (None, True)]
)
def test_c_full_and_kept_entries(digits, tmp_path, quantize, scaled):
    X, y, mlp = digits
    model = fitted(X, y, mlp, keep_inputs=20, quantize=quantize)
    estimator, expected = model, model.predict_proba(X[:50])
    if scaled:  # a scaler before the model: its arrays gathered too
        scaler = StandardScaler().fit(X)
        estimator = make_pipeline(scaler, model)
        expected = model.predict_proba(scaler.transform(X[:50]))
    source = export_c(estimator, name="kept")
    assert header_kept(source, "kept") == model.inputs_kept_.tolist()
    c = compiled(source, tmp_path, "kept")
    changed = dropped_changed(model, X[:50])
    proba = each_row(c.kept_predict_proba, changed, 10)
    np.testing.assert_allclose(proba, expected, atol=1e-4)
    X_kept = X[:50, model.inputs_kept_]
    proba = each_row(c.kept_predict_proba_kept, X_kept, 10)
    np.testing.assert_allclose(proba, expected, atol=1e-4)


@needs_cc
@pytest.mark.parametrize("quantize", ["int8", "int4"])
def test_c_integer_only_full_and_kept_entries(digits, tmp_path, quantize):
    X, y, mlp = digits
    model = fitted(
        X, y, mlp, keep_inputs=40, quantize=quantize, integer_only=True
    )  # two chunks
    c = compiled(export_c(model, name="kept"), tmp_path, "kept")
    for function in ["predict", "predict_int8", "predict_kept", "predict_int8_kept"]:
        getattr(c, f"kept_{function}").restype = ctypes.c_int
    changed = dropped_changed(model, X[:50])
    expected = model.predict(X[:50])
    kept = model.inputs_kept_
    Q = quantize_input(model, changed)
    for function, inputs, dtype in [
        (c.kept_predict, changed, np.float32),
        (c.kept_predict_int8, Q, np.int8),
        (c.kept_predict_kept, changed[:, kept], np.float32),
        (c.kept_predict_int8_kept, Q[:, kept], np.int8),
    ]:
        labels = model.classes_[each_row(function, inputs, dtype=dtype)]
        np.testing.assert_array_equal(labels, expected)
    # The library's header declares them, with the kept inputs.
    paths = export_c(model, name="kept", folder=tmp_path / "library")
    header = paths["src/kept.h"].read_text()
    assert header_kept(header, "kept") == kept.tolist()
    for function in ["predict_kept", "predict_int8_kept", "quantize_input_kept"]:
        assert f" kept_{function}(" in header
    xq = (ctypes.c_int8 * len(kept))()
    for row, q in zip(
        np.ascontiguousarray(changed[:5, kept], np.float32), Q[:5], strict=True
    ):
        c.kept_quantize_input_kept(row.ctypes.data_as(FLOAT), xq)
        np.testing.assert_array_equal(list(xq), q[kept])


@pytest.mark.parametrize("quantize", [None, "int8"])
def test_saved_and_loaded(digits, quantize):
    sio = pytest.importorskip("skops.io")
    X, y, mlp = digits
    model = fitted(X, y, mlp, keep_inputs=12, quantize=quantize)
    data = sio.dumps(model)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    for restored in [loaded, pickle.loads(pickle.dumps(model))]:
        np.testing.assert_array_equal(restored.inputs_kept_, model.inputs_kept_)
        np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
        assert restored.n_bytes_ == model.n_bytes_


@pytest.mark.parametrize("integer_only", [False, True])
def test_onnx(digits, integer_only):
    onnxruntime = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx

    import sklearn_svdmlp.onnx  # noqa: F401

    X, y, mlp = digits
    quantize = "int8" if integer_only else None
    model = fitted(
        X, y, mlp, keep_inputs=20, quantize=quantize, integer_only=integer_only
    )
    onx = to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False})
    session = onnxruntime.InferenceSession(onx.SerializeToString())
    changed = dropped_changed(model, X[:50]).astype(np.float32)
    labels, proba = session.run(None, {session.get_inputs()[0].name: changed})
    np.testing.assert_array_equal(labels, model.predict(X[:50]))
    np.testing.assert_allclose(proba, model.predict_proba(X[:50]), atol=1e-4)


# keep_inputs="auto": the search run for each candidate count, the rule's best kept.


def halves(X, y):
    """The first 400 rows to fit on, the rest held out."""
    return X[:400], y[:400], X[400:], y[400:]


def test_auto_within_bytes_is_the_best_fixed_count(digits):
    """The best score on every row the fit has (not the held-out rows alone)."""
    X, y, mlp = digits
    X_fit, y_fit, X_val, y_val = X[:400], y[:400], X[400:500], y[400:500]
    params = dict(rank="auto", target_bytes=800, quantize="auto", random_state=0)
    auto = fitted(
        X_fit, y_fit, mlp, keep_inputs="auto", X_val=X_val, y_val=y_val, **params
    )
    rows = auto.input_candidates_
    n_varying = int(np.sum(X_fit.max(axis=0) > X_fit.min(axis=0)))
    halving = sorted(
        {int(np.ceil(share * n_varying)) for share in (1, 1 / 2, 1 / 4, 1 / 8, 1 / 16)},
        reverse=True,
    )
    counts = [row["n_inputs"] for row in rows]
    assert counts[: len(halving)] == halving
    # Then halfway (geometrically) to the best halving count's neighbours.
    first = max(
        rows[: len(halving)], key=lambda row: (row["score_all_rows"], -row["n_inputs"])
    )
    at = halving.index(first["n_inputs"])
    neighbours = halving[max(at - 1, 0) : at] + (
        halving[at + 1 : at + 2] or [first["n_inputs"] / 2]
    )
    between = {round(np.sqrt(first["n_inputs"] * n)) for n in neighbours} - {
        *halving,
        0,
    }
    assert counts[len(halving) :] == sorted(between, reverse=True)
    assert between
    X_all, y_all = np.concatenate([X_fit, X_val]), np.concatenate([y_fit, y_val])
    fixed = {}
    for row in rows:
        model = fitted(
            X_fit,
            y_fit,
            mlp,
            keep_inputs=row["n_inputs"],
            X_val=X_val,
            y_val=y_val,
            **params,
        )
        assert model.n_bytes_ == row["n_bytes"] <= 800
        assert model.n_params_ == row["n_params"]
        assert model.score(X_val, y_val) == row["score"]
        assert model.score(X_all, y_all) == row["score_all_rows"]
        fixed[row["n_inputs"]] = model
    best = max(rows, key=lambda row: (row["score_all_rows"], -row["n_inputs"]))
    # Here the held-out rows alone would choose another count.
    assert best != max(rows, key=lambda row: (row["score"], -row["n_inputs"]))
    assert len(auto.inputs_kept_) == best["n_inputs"]
    chosen = fixed[best["n_inputs"]]
    np.testing.assert_array_equal(auto.inputs_kept_, chosen.inputs_kept_)
    assert auto.n_bytes_ == chosen.n_bytes_
    np.testing.assert_array_equal(auto.predict_proba(X), chosen.predict_proba(X))
    assert auto.candidates_ == chosen.candidates_
    np.testing.assert_array_equal(
        auto.predict(dropped_changed(auto, X)), auto.predict(X)
    )


def test_every_row_weighs_and_stacks_sparse_rows():
    X, y = np.arange(6.0).reshape(3, 2), np.array([0, 1, 2])
    X_all, y_all, weights = every_row(
        sp.csr_matrix(X), y, np.array([1.0, 2.0, 3.0]), (X[:1], y[:1], None)
    )
    assert sp.issparse(X_all)
    np.testing.assert_array_equal(X_all.toarray(), np.concatenate([X, X[:1]]))
    np.testing.assert_array_equal(y_all, [0, 1, 2, 0])
    np.testing.assert_array_equal(weights, [1.0, 2.0, 3.0, 1.0])
    assert every_row(X, y, None, (X, y, None))[2] is None


@pytest.mark.parametrize("drop, between_chosen", [(0.1, False), (0.02, True)])
def test_auto_within_a_score_drop_of_the_network(digits, drop, between_chosen):
    X, y, mlp = digits
    X_fit, y_fit, X_val, y_val = X[:400], y[:400], X[400:500], y[400:500]
    auto = fitted(
        X_fit,
        y_fit,
        mlp,
        rank="auto",
        max_score_drop=drop,
        quantize="int8",
        keep_inputs="auto",
        X_val=X_val,
        y_val=y_val,
        random_state=0,
    )
    baseline = mlp.score(X_val, y_val)
    assert auto.baseline_score_ == baseline
    rows = auto.input_candidates_
    for row in rows:
        assert row["holds"] == (baseline - row["score"] <= drop)

    def fewest_bytes(rows):
        holding = [row for row in rows if row["holds"]]
        return min(holding, key=lambda r: (r["n_bytes"], r["n_params"], r["n_inputs"]))

    halving = input_counts(int(np.sum(X_fit.max(axis=0) > X_fit.min(axis=0))))
    counts = [row["n_inputs"] for row in rows]
    assert counts[: len(halving)] == halving
    # Then the counts between, around the best halving count by the same rule.
    best_halving = fewest_bytes(rows[: len(halving)])["n_inputs"]
    assert counts[len(halving) :] == counts_between(best_halving, halving) != []
    assert len([row for row in rows if row["holds"]]) > 1  # chosen among several
    best = fewest_bytes(rows)
    assert len(auto.inputs_kept_) == best["n_inputs"] < rows[0]["n_inputs"]
    assert (best["n_inputs"] not in halving) == between_chosen
    assert auto.n_bytes_ == best["n_bytes"]
    assert auto.score(X_val, y_val) == best["score"] >= baseline - drop


def test_auto_warns_as_the_count_it_chose(digits):
    """Each count's warnings are held back; only the chosen count's are shown."""
    X, y, mlp = digits

    def fit(keep_inputs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = SVDCompressedMLPClassifier(
                FrozenEstimator(mlp),
                rank="auto",
                target_bytes=800,
                quantize="auto",
                keep_inputs=keep_inputs,
                random_state=0,
            ).fit(
                X[:400],
                y[:400],
                sample_weight=np.full(400, 1e-3),  # 0.4 rows: the refit warns
                X_val=X[400:500],
                y_val=y[400:500],
            )
        return model, [(w.category, str(w.message)) for w in caught]

    auto, shown = fit("auto")
    assert len(auto.input_candidates_) > 5
    _, chosen = fit(len(auto.inputs_kept_))
    assert shown == chosen
    assert any("sum of sample_weight" in message for _, message in shown)


def test_auto_with_weights_is_auto_on_repeated_rows(digits):
    X, y, mlp = digits
    weights = np.random.RandomState(0).randint(1, 3, 400)

    def fit(X_fit, y_fit, sample_weight=None):
        return SVDCompressedMLPClassifier(
            FrozenEstimator(mlp),
            rank="auto",
            target_bytes=800,
            quantize="auto",
            keep_inputs="auto",
            random_state=0,
        ).fit(X_fit, y_fit, sample_weight=sample_weight, X_val=X[400:], y_val=y[400:])

    weighted = fit(X[:400], y[:400], weights.astype(float))
    repeated = fit(np.repeat(X[:400], weights, axis=0), np.repeat(y[:400], weights))
    assert weighted.input_candidates_ == repeated.input_candidates_
    np.testing.assert_array_equal(weighted.inputs_kept_, repeated.inputs_kept_)
    np.testing.assert_array_equal(weighted.predict_proba(X), repeated.predict_proba(X))


def test_auto_in_a_pipeline_and_deterministic(digits):
    X, y, _ = digits

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return make_pipeline(
                StandardScaler(),
                SVDCompressedMLPClassifier(
                    MLPClassifier((16,), max_iter=60, random_state=0),
                    rank="auto",
                    target_bytes=900,
                    quantize="int8",
                    keep_inputs="auto",
                    random_state=3,
                ),
            ).fit(X, y)

    pipeline, again = fit(), fit()
    model = pipeline[-1]
    assert model.n_bytes_ <= 900
    assert len(model.inputs_kept_) in [
        row["n_inputs"] for row in model.input_candidates_
    ]
    np.testing.assert_array_equal(model.inputs_kept_, again[-1].inputs_kept_)
    np.testing.assert_array_equal(pipeline.predict_proba(X), again.predict_proba(X))
    changed = dropped_changed(model, X)
    np.testing.assert_array_equal(pipeline.predict(changed), pipeline.predict(X))


@pytest.mark.parametrize(
    "params",
    [dict(rank=[6, None]), dict(rank="auto", target_ratio=4.0)],
    ids=["fixed rank", "target_ratio"],
)
def test_auto_without_a_search_to_choose_with_warns(digits, params):
    X, y, mlp = digits
    with pytest.warns(
        UserWarning,
        match="keep_inputs='auto' is only used with rank='auto' and target_bytes",
    ):
        model = fitted(X, y, mlp, keep_inputs="auto", **params)
    plain = fitted(X, y, mlp, **params)
    np.testing.assert_array_equal(model.inputs_kept_, plain.inputs_kept_)
    assert not hasattr(model, "input_candidates_")


def test_auto_for_the_regressor(digits):
    X, _, _ = digits
    y = X[:, 20] - X[:, 43] + 0.1 * X[:, 30]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        network = MLPRegressor(hidden_layer_sizes=(16,), max_iter=200, random_state=0)
        model = SVDCompressedMLPRegressor(
            network.fit(X[:400], y[:400]),
            rank="auto",
            max_score_drop=0.05,
            keep_inputs="auto",
        ).fit(X[:400], y[:400], X_val=X[400:], y_val=y[400:])
    baseline = network.score(X[400:], y[400:])
    rows = model.input_candidates_
    assert [row["holds"] for row in rows] == [
        baseline - row["score"] <= 0.05 for row in rows
    ]
    best = min((row for row in rows if row["holds"]), key=lambda row: row["n_bytes"])
    assert len(model.inputs_kept_) == best["n_inputs"]
    assert model.n_bytes_ == best["n_bytes"]


def test_auto_skips_the_counts_the_bytes_cannot_hold(digits):
    X, y, mlp = digits
    params = dict(rank="auto", quantize="int8", random_state=0)
    auto = fitted(X, y, mlp, target_bytes=380, keep_inputs="auto", **params)
    tried = [row["n_inputs"] for row in auto.input_candidates_]
    assert auto.n_bytes_ <= 380
    n_varying = int(np.sum(X.max(axis=0) > X.min(axis=0)))
    halving = {
        int(np.ceil(share * n_varying)) for share in (1, 1 / 2, 1 / 4, 1 / 8, 1 / 16)
    }
    assert 0 < len(halving & set(tried)) < len(halving)
    for count in halving:
        if count in tried:
            continue
        with pytest.raises(ValueError, match="is smaller than any model"):
            fitted(X, y, mlp, target_bytes=380, keep_inputs=count, **params)
    with pytest.raises(ValueError, match="is smaller than any model"):
        fitted(X, y, mlp, target_bytes=150, keep_inputs="auto", **params)


def test_target_ratio_is_against_the_network_on_all_its_inputs(digits):
    """The budget: all the network's parameters over the ratio, not the reduced."""
    X, y, mlp = digits
    everything = sum(a.size for a in [*mlp.coefs_, *mlp.intercepts_])
    for keep_inputs in [None, 30]:
        model = fitted(
            X, y, mlp, rank="auto", target_ratio=1.5, keep_inputs=keep_inputs
        )
        assert model.n_params_original_ == everything
        assert 1.5 <= model.compression_ratio_ < 2.0, keep_inputs


def test_max_score_drop_is_against_the_network_on_all_its_inputs(digits):
    X, y, mlp = digits
    X_val, y_val = X[::3], y[::3]
    model = fitted(
        X, y, mlp, X_val, y_val, rank="auto", max_score_drop=0.05, keep_inputs=30
    )
    assert model.baseline_score_ == mlp.score(X_val, y_val)
    assert model.baseline_score_ - model.validation_score_ <= 0.05


def test_sample_weights_choose_as_repeated_rows(digits):
    X, y, mlp = digits
    weight = np.ones(len(X))
    weight[:200] = 2
    weight[500:] = 0
    repeated = np.concatenate([np.arange(200), np.arange(500)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(mlp), rank=[6, None], keep_inputs=20
        )
        weighted = clone(model).fit(X, y, sample_weight=weight)
        copied = clone(model).fit(X[repeated], y[repeated])
    np.testing.assert_array_equal(weighted.inputs_kept_, copied.inputs_kept_)
    np.testing.assert_allclose(
        weighted.predict_proba(X), copied.predict_proba(X), rtol=1e-6, atol=1e-9
    )


def test_a_fraction_is_rounded_up_exactly():
    # 0.07 * 100 is 7.000000000000001 in floating point: 7, not 8.
    assert n_inputs_kept(0.07, 100) == 7
    assert n_inputs_kept(0.56, 25) == 14
    assert n_inputs_kept(0.071, 100) == 8


def test_a_budget_below_the_inputs_kept_states_the_users_numbers(digits):
    X, y, mlp = digits
    params = dict(rank="auto", quantize="int4", keep_inputs=40)
    with pytest.raises(ValueError) as error:
        fitted(X, y, mlp, target_bytes=300, **params)
    message = str(error.value)
    assert "target_bytes=300 is smaller than any model reading 40 inputs" in message
    smallest = int(
        re.search(r"the smallest stores ([\d,]+) bytes", message)[1].replace(",", "")
    )
    assert fitted(X, y, mlp, target_bytes=smallest, **params).n_bytes_ <= smallest


def test_an_unused_auto_reads_what_none_reads(digits):
    """With a fixed rank "auto" warns and acts as None: no _kept entry points."""
    X, y, mlp = digits
    with pytest.warns(UserWarning, match="keep_inputs='auto' is only used"):
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(mlp), rank=[6, None], quantize="int8", keep_inputs="auto"
        ).fit(X, y)
    assert "_kept" not in export_c(model)
    with pytest.raises(ValueError, match="kept=True calls the _kept entry points"):
        emulate(model, X[:2], kept=True)


def test_a_model_saved_before_keep_inputs_loads_whole(digits):
    """A state without keep_inputs and inputs_kept_ (saved by an earlier version)."""
    X, y, mlp = digits
    model = fitted(X, y, mlp, quantize="int8")
    state = {
        key: value
        for key, value in vars(model).items()
        if key not in ("keep_inputs", "inputs_kept_")
    }
    loaded = SVDCompressedMLPClassifier.__new__(SVDCompressedMLPClassifier)
    loaded.__setstate__(state)
    assert loaded.keep_inputs is None
    np.testing.assert_array_equal(loaded.inputs_kept_, model.inputs_kept_)
    assert str(loaded.summary()) == str(model.summary())
    assert export_c(loaded) == export_c(model)


def test_max_score_drop_on_a_dataframe_network_warns_of_nothing(digits):
    X, y, _ = digits
    frame = pd.DataFrame(X, columns=[f"pixel {i}" for i in range(64)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((16,), max_iter=60, random_state=0).fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
        warnings.filterwarnings("ignore", "No compressed model stays within")
        SVDCompressedMLPClassifier(
            FrozenEstimator(mlp), rank="auto", max_score_drop=0.05, keep_inputs=20
        ).fit(frame, y)


def test_a_reduced_network_beyond_the_drop_says_so(digits):
    X, y, mlp = digits
    X_val, y_val = X[::3], y[::3]
    with pytest.warns(UserWarning, match="network reduced to its 3 inputs kept"):
        model = fitted(
            X, y, mlp, X_val, y_val, rank="auto", max_score_drop=0.01, keep_inputs=3
        )
    assert model.baseline_score_ - model.validation_score_ > 0.01

"""fine_tune_epochs: training the compressed network as it is stored."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Perceptron, RidgeClassifier
from sklearn.metrics import log_loss
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklearn_svdmlp import DenseLayer, FactoredLayer, SVDCompressedMLPClassifier
from sklearn_svdmlp._compression import CompressionSettings, TrainingData, compress
from sklearn_svdmlp._compression._fine_tuning import (
    distilled_targets,
    fine_tune,
    fine_tune_model,
    loss_and_gradients,
    parameters,
)
from sklearn_svdmlp._compression._quantization import as_stored, quantize_model
from sklearn_svdmlp._formats import get_format
from sklearn_svdmlp._network import OutputSpec, mlp_layers


def test_loss_agrees_with_mlpclassifier(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    weights = np.random.default_rng(0).uniform(0.5, 2, size=len(y_train))
    layers = mlp_layers(fitted_mlp)
    Y = fitted_mlp._label_binarizer.transform(y_train)
    ours, _ = loss_and_gradients(layers, X_train, Y, weights, fitted_mlp.alpha)
    penalty = sum(np.sum(coef**2) for coef in fitted_mlp.coefs_)
    theirs = (
        log_loss(y_train, fitted_mlp.predict_proba(X_train), sample_weight=weights)
        + 0.5 * fitted_mlp.alpha * penalty / weights.sum()
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    # And MLPClassifier's own backpropagation gives the same number.
    activations = [X_train] + [None] * (fitted_mlp.n_layers_ - 1)
    deltas = [None] * (fitted_mlp.n_layers_ - 1)
    grads = [np.empty_like(c) for c in fitted_mlp.coefs_]
    intercept_grads = [np.empty_like(b) for b in fitted_mlp.intercepts_]
    mlp_loss, coef_grads, _ = fitted_mlp._backprop(
        X_train, Y, weights, activations, deltas, grads, intercept_grads
    )
    np.testing.assert_allclose(ours, mlp_loss, rtol=1e-12)
    _, our_grads = loss_and_gradients(layers, X_train, Y, weights, fitted_mlp.alpha)
    np.testing.assert_allclose(our_grads[0], coef_grads[0], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_gradients_match_finite_differences(rng, output):
    layers = [
        FactoredLayer(
            rng.normal(size=(5, 2)),
            rng.normal(size=2),
            rng.normal(size=(2, 6)),
            None,
            "tanh",
        ),
        FactoredLayer(
            rng.normal(size=(6, 2)),
            None,
            rng.normal(size=(2, 4)),
            rng.normal(size=4),
            "relu",
        ),
        DenseLayer(rng.normal(size=(4, 3)), rng.normal(size=3), output),
    ]
    X = rng.normal(size=(7, 5))
    Y = (
        np.eye(3)[rng.integers(0, 3, size=7)]
        if output == "softmax"
        else (rng.random((7, 3)) > 0.5).astype(float)
    )
    weights = rng.uniform(0.5, 2, size=7)
    _, grads = loss_and_gradients(layers, X, Y, weights, alpha=0.3)
    for param, grad in zip(parameters(layers), grads, strict=True):
        flat, numeric = param.reshape(-1), np.empty(param.size)
        for j in range(param.size):
            saved = flat[j]
            flat[j] = saved + 1e-6
            up, _ = loss_and_gradients(layers, X, Y, weights, alpha=0.3)
            flat[j] = saved - 1e-6
            down, _ = loss_and_gradients(layers, X, Y, weights, alpha=0.3)
            flat[j] = saved
            numeric[j] = (up - down) / 2e-6
        np.testing.assert_allclose(grad.reshape(-1), numeric, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_fine_tuning_lowers_the_loss_and_helps(fitted_mlp, digits_split, method):
    X_train, X_test, y_train, y_test = digits_split
    params = dict(method=method, rank=3, random_state=0)
    plain = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), **params).fit(
        X_train, y_train
    )
    tuned = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), fine_tune_epochs=10, **params
    ).fit(X_train, y_train)
    assert len(tuned.loss_curve_) == 10
    assert tuned.loss_curve_[-1] < tuned.loss_curve_[0]
    assert tuned.score(X_test, y_test) > plain.score(X_test, y_test)
    assert tuned.ranks_ == plain.ranks_ and tuned.n_params_ == plain.n_params_


def test_zero_epochs_changes_nothing(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=4).fit(
        X_train, y_train
    )
    before = [array.copy() for array in parameters(model.layers_)]
    Y = fitted_mlp._label_binarizer.transform(y_train)
    curve, scores = fine_tune(
        model.layers_, X_train, Y, fitted_mlp, epochs=0, random_state=0
    )
    assert curve == [] and scores == []
    for old, new in zip(before, parameters(model.layers_), strict=True):
        np.testing.assert_array_equal(old, new)
    # One epoch does change them: the comparison above can fail.
    fine_tune(model.layers_, X_train, Y, fitted_mlp, epochs=1, random_state=0)
    assert not all(
        np.array_equal(old, new)
        for old, new in zip(before, parameters(model.layers_), strict=True)
    )
    assert not hasattr(model, "loss_curve_")


def test_fine_tuning_is_reproducible(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=4, fine_tune_epochs=3, random_state=1
    )
    a = clone(model).fit(X_train, y_train).predict_proba(X_test)
    b = clone(model).fit(X_train, y_train).predict_proba(X_test)
    c = (
        clone(model)
        .set_params(random_state=2)
        .fit(X_train, y_train)
        .predict_proba(X_test)
    )
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_frozen_network_untouched_by_fine_tuning(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    before = [c.copy() for c in fitted_mlp.coefs_ + fitted_mlp.intercepts_]
    SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=None, fine_tune_epochs=2, random_state=0
    ).fit(X_train, y_train)
    for old, new in zip(
        before, fitted_mlp.coefs_ + fitted_mlp.intercepts_, strict=True
    ):
        assert old.tobytes() == new.tobytes()


def test_truncated_head_is_trained_with_the_layers(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    plain = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank=4, random_state=0
    ).fit(X_train, y_train)
    tuned = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        method="truncated",
        rank=4,
        random_state=0,
        fine_tune_epochs=3,
    ).fit(X_train, y_train)
    assert not np.allclose(tuned.head_.coef_, plain.head_.coef_)
    # The head's written-back weights are what the trained stack used.
    hidden = tuned.network_.forward(X_test)
    logits = hidden @ tuned.head_.coef_.T + tuned.head_.intercept_
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(
        tuned.predict_proba(X_test),
        proba / proba.sum(axis=1, keepdims=True),
        atol=1e-12,
    )


def test_mlp_head_is_warm_started(fitted_mlp, digits_split):
    X_train, X_test, y_train, y_test = digits_split
    untuned = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        method="truncated",
        rank=4,
        head=MLPClassifier((16,), max_iter=300, random_state=0),
        random_state=0,
    ).fit(X_train, y_train)
    tuned = clone(untuned).set_params(fine_tune_epochs=5).fit(X_train, y_train)
    assert tuned.loss_curve_[-1] < tuned.loss_curve_[0]
    assert tuned.score(X_test, y_test) > 0.5
    # Warm: the first epoch starts from the fitted head, whose log-loss is
    # about 0.55 here (0.52 measured for the first epoch); a head started
    # afresh starts near log(10) = 2.3 (2.2 measured).
    start = log_loss(y_train, untuned.predict_proba(X_train))
    assert tuned.loss_curve_[0] < start + 0.1 < np.log(10) / 2


def test_untrainable_head_is_refused(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    with pytest.raises(ValueError, match="needs a head that is a linear model"):
        SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp),
            method="truncated",
            rank=4,
            head=KNeighborsClassifier(),
            fine_tune_epochs=2,
        ).fit(X_train, y_train)


def test_network_settings_and_early_stopping(digits_split, capsys):
    X_train, _, y_train, _ = digits_split
    network = MLPClassifier(
        (32,),
        solver="sgd",
        learning_rate_init=0.05,
        early_stopping=True,
        n_iter_no_change=2,
        max_iter=200,
        random_state=0,
    )
    model = SVDCompressedMLPClassifier(
        network, rank=4, fine_tune_epochs=50, verbose=1, random_state=0
    ).fit(X_train, y_train)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "validation score = " in out
    assert 3 <= len(model.loss_curve_) < 50  # stopped early


@pytest.mark.parametrize("target", ["binary", "multilabel"])
def test_fine_tuning_other_targets(target):
    from sklearn.datasets import make_classification, make_multilabel_classification

    if target == "binary":
        X, y = make_classification(n_samples=300, random_state=0)
    else:
        X, y = make_multilabel_classification(
            n_samples=300, n_classes=3, random_state=0
        )
    for method in ["svd", "truncated"]:
        model = SVDCompressedMLPClassifier(
            MLPClassifier((24,), max_iter=300, random_state=0),
            method=method,
            rank=2,
            fine_tune_epochs=5,
            random_state=0,
        ).fit(X, y)
        assert model.loss_curve_[-1] < model.loss_curve_[0]
        assert model.predict(X).shape == np.shape(y)


def test_early_stopping_with_a_class_of_one_sample():
    """The early-stopping split falls back to a plain one, as the search's does."""
    X, y = load_iris(return_X_y=True)
    X, y = np.vstack([X, X[:1] + 0.1]), np.append(y, 3)  # class 3: one sample
    network = MLPClassifier((8,), early_stopping=True, max_iter=60, random_state=0)
    model = SVDCompressedMLPClassifier(network, rank=2, fine_tune_epochs=3).fit(X, y)
    assert len(model.loss_curve_) >= 1
    assert set(model.predict(X)) <= set(y)


@pytest.mark.parametrize("head", [RidgeClassifier(), LinearSVC(), Perceptron()])
@pytest.mark.parametrize("binary", [False, True])
def test_linear_heads_without_probabilities_are_fine_tuned(head, binary):
    X, y = load_iris(return_X_y=True)
    if binary:
        y = (y == 2).astype(int)
    network = FrozenEstimator(
        MLPClassifier((16,), max_iter=300, random_state=0).fit(X, y)
    )
    before = SVDCompressedMLPClassifier(
        network, method="truncated", rank=3, head=head, random_state=0
    ).fit(X, y)
    after = clone(before).set_params(fine_tune_epochs=5).fit(X, y)
    # The head was trained: its weights moved, and it still predicts as a
    # linear classifier does (argmax, or the sign for two classes).
    assert not np.allclose(after.head_.coef_, before.head_.coef_)
    decision = after.head_.decision_function(after.network_.forward(X))
    expected = (decision > 0).astype(int) if binary else decision.argmax(axis=1)
    np.testing.assert_array_equal(after.predict(X), after.head_.classes_[expected])
    assert after.score(X, y) > 0.6


def test_distillation_learns_from_the_network_outputs(fitted_mlp, digits_split):
    """With weight 1 the labels no longer matter; with 0.5 both do.

    Shuffled labels (the same classes) give the same fine-tuned model only if
    the targets are the network's outputs.
    """
    X_train, X_test, y_train, _ = digits_split
    shuffled = np.random.default_rng(0).permutation(y_train)

    def probabilities(distillation, y):
        return (
            SVDCompressedMLPClassifier(
                FrozenEstimator(fitted_mlp),
                rank=[4, 4, None],
                fine_tune_epochs=2,
                fine_tune_distillation=distillation,
                random_state=0,
            )
            .fit(X_train, y)
            .predict_proba(X_test)
        )

    np.testing.assert_array_equal(
        probabilities(1.0, y_train), probabilities(1.0, shuffled)
    )
    assert not np.allclose(probabilities(0.5, y_train), probabilities(0.5, shuffled))


@pytest.mark.parametrize("distillation", [0.0, 0.3, 1.0])
def test_distilled_targets_mix_labels_and_probabilities(
    fitted_mlp, digits_split, distillation
):
    X_train, _, y_train, _ = digits_split
    labels = (y_train[:, np.newaxis] == fitted_mlp.classes_).astype(float)
    targets = distilled_targets(labels, fitted_mlp, X_train, distillation)
    expected = (1 - distillation) * labels + distillation * fitted_mlp.predict_proba(
        X_train
    )
    np.testing.assert_allclose(targets, expected, atol=1e-12)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0)


def _iris_network():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    network = MLPClassifier(
        (16,),
        early_stopping=True,
        learning_rate_init=0.01,
        n_iter_no_change=50,
        max_iter=1000,
        random_state=0,
    ).fit(X, y)
    assert network.score(X, y) > 0.9
    return X, y, network


def test_distillation_early_stopping_scores_the_labels(capsys):
    """Early stopping scores the labels, not the network's outputs.

    With shuffled labels and the network's probabilities as the only
    targets, the compressed network agrees with the targets but not with
    the labels: a validation accuracy near chance shows the labels are scored.
    """
    X, y, network = _iris_network()
    shuffled = np.random.default_rng(0).permutation(y)
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        rank=[3, None],
        fine_tune_epochs=4,
        fine_tune_distillation=1.0,
        verbose=1,
    ).fit(X, shuffled)
    scores = [
        float(line.split("validation score = ")[1])
        for line in capsys.readouterr().out.splitlines()
        if "validation score = " in line
    ]
    assert len(scores) == 5 and max(scores) < 0.6  # the start, then 4 epochs
    assert np.mean(model.predict(X) == y) > 0.9


def test_distillation_with_a_trained_head():
    X, y, network = _iris_network()
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        method="truncated",
        rank=[3, None],
        fine_tune_epochs=4,
        fine_tune_distillation=0.5,
    ).fit(X, y)
    assert len(model.loss_curve_) == 4
    # A head fitted on fewer classes than the network knows has other outputs.
    with pytest.raises(ValueError, match="fine_tune_distillation needs targets"):
        clone(model).fit(X[y < 2], y[y < 2])


def test_training_through_the_quantizer(rng):
    """Gradients at the stored weights update the float ones; the end is stored."""
    X, Y = rng.normal(size=(40, 6)), np.eye(3)[rng.integers(0, 3, 40)]
    network = MLPClassifier(
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.0,
        batch_size=40,
        shuffle=False,
        alpha=0.0,
    )
    start = DenseLayer(rng.normal(size=(6, 3)), rng.normal(size=3), "softmax")
    layers = [start.copy()]
    int4 = get_format("int4")
    stored = lambda layers: as_stored(layers, ["int4"])  # noqa: E731
    fine_tune(layers, X, Y, network, epochs=1, stored=stored)
    # One step of SGD from the float weights, with the gradient at the
    # stored ones (straight through), then stored.
    at_stored = [start.copy()]
    at_stored[0].coef[...] = int4.round_trip(start.coef)
    _, (grad_coef, grad_bias) = loss_and_gradients(at_stored, X, Y)
    expected = int4.round_trip(start.coef - 0.1 * grad_coef)
    np.testing.assert_allclose(layers[0].coef, expected, atol=1e-12)
    np.testing.assert_allclose(layers[0].intercept, start.intercept - 0.1 * grad_bias)
    # Stored again, the same numbers: what was trained is what is stored.
    np.testing.assert_array_equal(int4.round_trip(layers[0].coef), layers[0].coef)


def test_the_estimator_fine_tunes_what_it_stores(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    params = dict(rank=6, fine_tune_epochs=3, quantize="int4", random_state=0)
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), **params)
    model.fit(X_train, y_train)
    # The stored integers are those the last step trained with: rounding
    # them again, by either rule, changes nothing.
    for rounding in ["nearest", "data-aware"]:
        again = clone(model).set_params(rounding=rounding).fit(X_train, y_train)
        np.testing.assert_array_equal(
            again.predict_proba(X_test), model.predict_proba(X_test)
        )
    # (Without fine-tuning, the two rules give other integers.)
    plain = dict(params, fine_tune_epochs=0)
    nearest, aware = (
        SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rounding=r, **plain)
        .fit(X_train, y_train)
        .layers_[0]
        .weights[0]
        for r in ["nearest", "data-aware"]
    )
    assert not np.array_equal(nearest, aware)


@pytest.mark.parametrize("quantize", ["int8", "int4"])
@pytest.mark.parametrize("width", [3, 40], ids=["rows-kept", "rows-skipped"])
def test_trained_weights_are_the_stored_ones(quantize, width):
    """Whether the stored first matrix keeps its constant rows (narrow: a
    run costs more) or not, training ends on the weights storing gives."""
    X, y = load_iris(return_X_y=True)
    X = np.column_stack([X, np.full(len(X), 5.0)])
    network = MLPClassifier((width,), max_iter=2000, random_state=0).fit(X, y)
    network.coefs_[0][4] = 3 * np.abs(network.coefs_[0]).max(axis=0)
    settings = CompressionSettings(
        method="svd",
        bias="separate",
        svd_on="weights",
        svd_solver="full",
        random_state=0,
    )
    data = TrainingData(X, y, None)
    model = compress(mlp_layers(network), [None, None], settings, data)
    tuned, _, _, _ = fine_tune_model(
        model,
        data,
        network,
        3,
        output_spec=OutputSpec.of_network(network),
        random_state=0,
        formats=quantize,
    )
    stored = quantize_model(tuned, quantize, 3, X).network.layers[0]
    assert (stored.inputs is None) == (width == 3)
    storage = get_format(quantize)
    coef = tuned.network.layers[0].coef
    read = slice(None) if stored.inputs is None else stored.inputs.indices
    np.testing.assert_allclose(
        storage.as_float(stored.weights[0], stored.scales[0]) * stored.scales[0],
        coef[read],
        rtol=1e-6,
    )


def test_step_size_warms_up_then_decays():
    from sklearn_svdmlp._compression._step_sizes import step_size_factor

    factors = [step_size_factor(step, 50) for step in range(50)]
    peak = int(np.argmax(factors))
    assert factors[peak] == 1.0 and 0 < peak < 10
    assert np.all(np.diff(factors[: peak + 1]) > 0)  # warm-up
    assert np.all(np.diff(factors[peak:]) < 0)  # linear decay
    assert factors[0] < 0.25 and factors[-1] < 0.05


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_a_step_is_scaled_and_the_optimizer_kept(fitted_mlp, solver):
    from sklearn_svdmlp._compression._step_sizes import make_optimizer, take_step

    network = clone(fitted_mlp).set_params(solver=solver, momentum=0.0)
    gradient = [np.full(3, 0.5)]

    def moved(factor):
        param = [np.zeros(3)]
        optimizer = make_optimizer(param, network)
        before = vars(optimizer).copy()
        take_step(optimizer, param, gradient, factor)
        name = "learning_rate_init" if solver == "adam" else "learning_rate"
        assert getattr(optimizer, name) == before[name]
        return param[0]

    np.testing.assert_allclose(moved(0.25), moved(1.0) / 4)
    assert np.all(moved(1.0) < 0)


def test_fine_tuning_follows_the_step_size_schedule(
    fitted_mlp, digits_split, monkeypatch
):
    """With every step scaled to nothing, nothing moves: the schedule is used."""
    from sklearn_svdmlp._compression import _fine_tuning

    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=4).fit(
        X_train, y_train
    )
    start = [array.copy() for array in parameters(model.layers_)]
    Y = fitted_mlp._label_binarizer.transform(y_train)
    monkeypatch.setattr(_fine_tuning, "step_size_factor", lambda step, n: 0.0)
    fine_tune(model.layers_, X_train, Y, fitted_mlp, epochs=2, random_state=0)
    for old, new in zip(start, parameters(model.layers_), strict=True):
        np.testing.assert_array_equal(old, new)


def _digits_halves():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    network = FrozenEstimator(
        MLPClassifier((32, 16), max_iter=300, random_state=0).fit(X[:300], y[:300])
    )
    return network, (X[:300], y[:300]), (X[300:600], y[300:600])


@pytest.mark.parametrize("quantize", [None, "int4"])
@pytest.mark.parametrize("svd_on", ["activations", "outputs"])
def test_fine_tuning_never_ends_below_its_start_on_held_out_data(svd_on, quantize):
    """With X_val: the start's score first, then each epoch's; the model
    scores at least as well as the start there."""
    network, (X_train, y_train), (X_val, y_val) = _digits_halves()
    params = dict(rank=[3, 3, None], svd_on=svd_on, quantize=quantize)
    start = SVDCompressedMLPClassifier(network, random_state=0, **params)
    start.fit(X_train, y_train)
    tuned = SVDCompressedMLPClassifier(
        network, fine_tune_epochs=8, random_state=0, **params
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    scores = tuned.fine_tune_scores_
    assert len(scores) == 9 and len(tuned.loss_curve_) == 8
    if quantize is None:  # else scores are of the start rounded to nearest
        assert scores[0] == pytest.approx(start.score(X_val, y_val))
    assert tuned.score(X_val, y_val) >= start.score(X_val, y_val)


@pytest.mark.parametrize("quantize", [None, "int4"])
def test_a_start_that_scores_higher_is_kept_as_stored(monkeypatch, quantize):
    """Fine-tuning that ends worse (here: weights set to zero) gives back the
    start, as it was stored (a quantized one with its data-aware rounding);
    one that ends better is kept."""
    from sklearn_svdmlp._estimators import _fine_tuned

    network, (X_train, y_train), (X_val, y_val) = _digits_halves()
    params = dict(rank=[3, 3, None], quantize=quantize, random_state=0)
    start = SVDCompressedMLPClassifier(network, **params).fit(X_train, y_train)
    train = _fine_tuned.fine_tune_model

    def ruined(*args, **kwargs):
        tuned, *rest = train(*args, **kwargs)
        for array in parameters(tuned.network.layers):
            array[...] = 0
        return tuned, *rest

    monkeypatch.setattr(_fine_tuned, "fine_tune_model", ruined)
    tuned = SVDCompressedMLPClassifier(network, fine_tune_epochs=2, **params)
    tuned.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    np.testing.assert_array_equal(
        tuned.predict_proba(X_val), start.predict_proba(X_val)
    )
    # Without held-out data, the (ruined) last epoch is what fit keeps.
    tuned.fit(X_train, y_train)
    assert np.ptp(tuned.predict_proba(X_val), axis=0).max() < 1e-12


def _fine_tuned_with_scores(fitted_mlp, digits_split, scores, early_stopping=False):
    """Layers fine-tuned for len(scores) - 1 epochs with made-up held-out
    scores, the layers seen at each scoring, and the layers at the end."""
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=4).fit(
        X_train, y_train
    )
    network = clone(fitted_mlp).set_params(
        early_stopping=early_stopping, n_iter_no_change=50
    )
    Y = fitted_mlp._label_binarizer.transform(y_train)
    seen, given = [], iter(scores)

    def validation_score(layers):
        seen.append([array.copy() for array in parameters(layers)])
        return next(given)

    layers = model.layers_
    _, returned = fine_tune(
        layers,
        X_train,
        Y,
        network,
        epochs=len(scores) - 1,
        random_state=0,
        validation_score=validation_score,
    )
    assert returned == scores
    return seen, parameters(layers)


def test_without_early_stopping_the_last_epoch_is_kept(fitted_mlp, digits_split):
    """Whatever the held-out scores say: the start competes in fit, as stored."""
    seen, end = _fine_tuned_with_scores(fitted_mlp, digits_split, [0.9, 0.95, 0.5])
    assert not all(np.array_equal(a, b) for a, b in zip(seen[0], seen[-1], strict=True))
    for expected, array in zip(seen[-1], end, strict=True):
        np.testing.assert_array_equal(array, expected)


def test_early_stopping_restores_the_best_epoch(fitted_mlp, digits_split):
    scores = [0.5, 0.7, 0.9, 0.6, 0.8]
    seen, end = _fine_tuned_with_scores(
        fitted_mlp, digits_split, scores, early_stopping=True
    )
    for expected, array in zip(seen[2], end, strict=True):
        np.testing.assert_array_equal(array, expected)


def test_without_held_out_data_the_last_epoch_is_kept(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=4, fine_tune_epochs=2, random_state=0
    ).fit(X_train, y_train)
    assert model.fine_tune_scores_ is None and len(model.loss_curve_) == 2


@pytest.mark.parametrize(
    "case", ["early_stopping", "target_bytes", "sample_weight_val", "regressor"]
)
def test_held_out_data_reaches_every_kind_of_fit(case):
    """Whatever brings the held-out data, fit ends no worse than the start on
    it, as stored and weighted, and says whether it kept the start."""
    from sklearn.neural_network import MLPRegressor

    from sklearn_svdmlp import SVDCompressedMLPRegressor

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    (X_train, y_train), (X_val, y_val) = (X[:1200], y[:1200]), (X[1200:], y[1200:])
    weights = np.where(np.arange(len(y_val)) % 3 == 0, 5.0, 1.0)
    estimator, network = SVDCompressedMLPClassifier, MLPClassifier
    params = dict(rank=[6, 6, None], quantize="int4", svd_on="outputs")
    if case == "regressor":
        estimator, network = SVDCompressedMLPRegressor, MLPRegressor
        y_train, y_val = y_train.astype(float), y_val.astype(float)
    if case == "target_bytes":
        params = dict(rank="auto", target_bytes=3000, quantize="auto")
    mlp = network(
        hidden_layer_sizes=(64, 32),
        early_stopping=case == "early_stopping",
        max_iter=300,
        random_state=0,
    )
    network = FrozenEstimator(mlp.fit(X_train, y_train))
    start = estimator(network, random_state=0, **params)
    fit_params = dict(X_val=X_val, y_val=y_val)
    if case == "sample_weight_val":
        fit_params["sample_weight_val"] = weights
    if case == "target_bytes":  # the search scores on X_val too
        start.fit(X_train, y_train, **fit_params)
    else:
        start.fit(X_train, y_train)
    tuned = estimator(network, fine_tune_epochs=2, random_state=0, **params)
    tuned.fit(X_train, y_train, **fit_params)
    assert len(tuned.fine_tune_scores_) == 3
    assert isinstance(tuned.fine_tune_kept_start_, bool)
    weight = {"sample_weight": fit_params.get("sample_weight_val")}
    assert tuned.score(X_val, y_val, **weight) >= start.score(X_val, y_val, **weight)
    if case == "sample_weight_val":
        # The scores during training are weighted too.
        unweighted = clone(tuned).fit(X_train, y_train, X_val=X_val, y_val=y_val)
        assert tuned.fine_tune_scores_ != unweighted.fine_tune_scores_


def test_a_frozen_networks_search_hold_out_is_not_used_by_fine_tuning(
    fitted_mlp, digits_split
):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        rank="auto",
        max_score_drop=0.05,
        fine_tune_epochs=1,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="FrozenEstimator"):
        model.fit(X_train, y_train)
    assert model.fine_tune_scores_ is None and model.fine_tune_kept_start_ is None


def test_validation_fraction_with_x_val_and_fine_tuning_only_warns(
    fitted_mlp, digits_split
):
    X_train, X_test, y_train, y_test = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        rank=4,
        fine_tune_epochs=1,
        validation_fraction=0.2,
    )
    with pytest.warns(UserWarning, match="validation_fraction is only used"):
        model.fit(X_train, y_train, X_val=X_test, y_val=y_test)
    assert len(model.fine_tune_scores_) == 2

"""rank="auto" with target_ratio: the global allocator."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import FactoredLayer, SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._rank_selection import allocate_ranks, breakeven_rank
from sklearn_svdmlp._network import dense_n_params, factored_n_params


def stored(ranks, shapes, bias):
    return sum(
        dense_n_params(*shape)
        if rank is None
        else factored_n_params(*shape, rank, bias)
        for rank, shape in zip(ranks, shapes, strict=True)
    )


def log_kept(ranks, spectra):
    total = 0.0
    for rank, s in zip(ranks, spectra, strict=True):
        if rank is not None:
            energy = np.cumsum(s**2)
            total += np.log(energy[rank - 1] / energy[-1])
    return total


@st.composite
def networks(draw):
    widths = draw(st.lists(st.integers(2, 60), min_size=2, max_size=4))
    shapes = list(zip(widths[:-1], widths[1:], strict=True))
    bias = draw(st.sampled_from(["separate", "augment"]))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    spectra = [
        np.sort(rng.gamma(1.0, size=min(n_in + (bias == "augment"), n_out)))[::-1]
        + 1e-3
        for n_in, n_out in shapes
    ]
    ratio = draw(st.floats(1.01, 20))
    return shapes, spectra, bias, ratio


@settings(max_examples=200, deadline=None)
@given(networks())
def test_budget_is_met_and_no_layer_factored_at_a_loss(network):
    shapes, spectra, bias, ratio = network
    budget = sum(dense_n_params(*shape) for shape in shapes) / ratio
    try:
        ranks = allocate_ranks(spectra, shapes, bias, budget)
    except ValueError as error:
        assert "even rank 1" in str(error)
        minimum = [1 if breakeven_rank(s, bias) else None for s in shapes]
        assert stored(minimum, shapes, bias) > budget
        return
    assert stored(ranks, shapes, bias) <= budget
    for rank, shape in zip(ranks, shapes, strict=True):
        if rank is not None:
            assert factored_n_params(*shape, rank, bias) < dense_n_params(*shape)


@settings(max_examples=100, deadline=None)
@given(networks())
def test_allocation_keeps_more_than_a_uniform_fraction(network):
    """Against the first document's allocation: the same fraction of each width."""
    shapes, spectra, bias, ratio = network
    budget = sum(dense_n_params(*shape) for shape in shapes) / ratio
    for fraction in np.linspace(0.02, 1, 50)[::-1]:
        uniform = [
            max(1, int(fraction * min(n_in, n_out)))
            if int(fraction * min(n_in, n_out)) <= breakeven_rank((n_in, n_out), bias)
            and breakeven_rank((n_in, n_out), bias) >= 1
            else None
            for n_in, n_out in shapes
        ]
        uniform = [
            None if rank is not None and rank > len(s) else rank
            for rank, s in zip(uniform, spectra, strict=True)
        ]
        if stored(uniform, shapes, bias) <= budget:
            break
    else:
        return
    ranks = allocate_ranks(spectra, shapes, bias, budget)
    assert log_kept(ranks, spectra) >= log_kept(uniform, spectra) - 1e-9


def test_output_layer_is_not_starved(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank="auto", target_ratio=6
    ).fit(X_train, y_train)
    assert model.compression_ratio_ >= 6
    kept = []
    for rank, s in zip(model.ranks_, model.singular_values_, strict=True):
        energy = np.cumsum(s**2)
        kept.append(1.0 if rank is None else energy[rank - 1] / energy[-1])
    # The 10-class output layer is cheap to keep: it keeps the most.
    assert kept[-1] >= max(kept[:-1])
    assert model.ranks_[-1] is None or model.ranks_[-1] >= 3


@pytest.mark.parametrize("svd_on", ["weights", "activations"])
@pytest.mark.parametrize("target_ratio", [1.5, 3.0, 8.0])
def test_ratio_is_reached(fitted_mlp, digits_split, svd_on, target_ratio):
    X_train, X_test, y_train, y_test = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        rank="auto",
        target_ratio=target_ratio,
        svd_on=svd_on,
    ).fit(X_train, y_train)
    assert model.compression_ratio_ >= target_ratio
    # Close to the target: no rank to spare was left unspent in a big way.
    assert model.compression_ratio_ < target_ratio * 1.25
    for layer in model.layers_:
        if isinstance(layer, FactoredLayer):
            assert layer.n_params < dense_n_params(*layer.shape)


@pytest.mark.parametrize("svd_on", ["weights", "activations"])
@pytest.mark.parametrize("fraction", [1 / 4, 1 / 8])
def test_auto_beats_the_documents_uniform_fraction(
    fitted_mlp, digits_split, svd_on, fraction
):
    """The first document gives each layer the same fraction of its width."""
    X_train, X_test, y_train, y_test = digits_split
    widths = [coef.shape[1] for coef in fitted_mlp.coefs_]  # 64, 32, 10
    uniform = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        rank=[max(1, int(fraction * width)) for width in widths],
        svd_on=svd_on,
    ).fit(X_train, y_train)
    auto = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        rank="auto",
        svd_on=svd_on,
        target_ratio=uniform.compression_ratio_,
    ).fit(X_train, y_train)
    assert auto.n_params_ <= uniform.n_params_
    assert auto.score(X_test, y_test) > uniform.score(X_test, y_test) + 0.05


def test_truncated_auto_takes_the_widest_cut_reaching_the_ratio(
    fitted_mlp, digits_split
):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank="auto", target_ratio=1.3
    ).fit(X_train, y_train)
    assert model.compression_ratio_ >= 1.3
    wider = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        method="truncated",
        rank=[None, model.ranks_[1] + 1, None],
    ).fit(X_train, y_train)
    assert wider.compression_ratio_ < 1.3


def test_unreachable_ratio(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    with pytest.raises(ValueError, match="target_ratio=500 cannot be reached"):
        SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp), rank="auto", target_ratio=500
        ).fit(X_train, y_train)
    # 6,570 parameters; the smallest truncation (the first hidden layer cut
    # to one unit, a logistic head on it) stores 65 + 20 = 85: ratio 77.3.
    with pytest.raises(
        ValueError, match="target_ratio=100 cannot be reached.*first hidden layer"
    ):
        SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp),
            method="truncated",
            rank="auto",
            target_ratio=100,
        ).fit(X_train, y_train)
    reached = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank="auto", target_ratio=50
    ).fit(X_train, y_train)
    assert reached.ranks_ == [1, None, None] and reached.n_params_ == 85


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(rank="auto"), "needs exactly one of target_ratio.*got 0"),
        (dict(rank="auto", target_ratio=2.0, max_score_drop=0.1), "got 2"),
        (dict(rank="auto", target_ratio=1.0), "'target_ratio' parameter"),
        (dict(rank="auto", max_score_drop=-0.1), "'max_score_drop' parameter"),
        (dict(rank="most"), "'rank' parameter"),
        (dict(svd_on="gradients"), "'svd_on' parameter"),
        (dict(fine_tune_epochs=-1), "'fine_tune_epochs' parameter"),
        (dict(validation_fraction=1.0), "'validation_fraction' parameter"),
        (dict(scoring="nonsense"), "'scoring' parameter"),
    ],
)
def test_auto_parameter_errors(fitted_mlp, digits_split, params, match):
    X_train, _, y_train, _ = digits_split
    with pytest.raises(ValueError, match=match):
        SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), **params).fit(
            X_train, y_train
        )


def test_truncation_cuts_a_lower_layer_when_the_last_cannot_reach_the_ratio(
    digits_split, monkeypatch
):
    """A 100-50 network: cutting the 50-unit layer cannot halve it; the first can."""
    import sklearn_svdmlp._compression._model as model_module

    X_train, X_test, y_train, y_test = digits_split
    network = MLPClassifier((100, 50), max_iter=300, random_state=0).fit(
        X_train, y_train
    )
    head_fits = []
    original_fit_head = model_module.fit_head
    monkeypatch.setattr(
        model_module,
        "fit_head",
        lambda *args: head_fits.append(1) or original_fit_head(*args),
    )
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network), method="truncated", rank="auto", target_ratio=2
    ).fit(X_train, y_train)
    assert model.ranks_[0] is not None and model.ranks_[1:] == [None, None]
    assert model.compression_ratio_ >= 2
    # The default head's size is known before it is fitted: one fit, not one
    # per width tried.
    assert head_fits == [1]
    assert model.score(X_test, y_test) > 0.9


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_head_size_formula_matches_the_fitted_heads(rng, n_classes):
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
    from sklearn.multioutput import MultiOutputClassifier

    from sklearn_svdmlp._network import expected_n_params, head_adapter

    X = rng.normal(size=(60, 7))
    y = np.arange(60) % n_classes
    Y = rng.integers(0, 2, size=(60, n_classes))
    Y[0], Y[1] = 0, 1  # both values in every label
    targets = rng.normal(size=(60, n_classes))
    for head, target in [
        (LogisticRegression(), y),
        (MultiOutputClassifier(LogisticRegression()), Y),
        (Ridge(), targets[:, 0]),
        (Ridge(), targets),
    ]:
        assert (
            expected_n_params(head, 7, target)
            == head_adapter(clone(head).fit(X, target)).n_params
        )
    # Not known before fitting: no intercept, or more than coefficients stored
    # (LinearRegression keeps the singular values of X).
    assert expected_n_params(Ridge(fit_intercept=False), 7, targets) is None
    assert expected_n_params(LinearRegression(), 7, targets) is None


@settings(max_examples=60, deadline=None)
@given(
    shapes=st.lists(
        st.tuples(st.integers(2, 9), st.integers(2, 9)), min_size=1, max_size=3
    ),
    seed=st.integers(0, 2**16),
    fraction=st.floats(0.2, 1.0),
    bias=st.sampled_from(["separate", "augment"]),
)
def test_allocation_is_exact_against_brute_force(shapes, seed, fraction, bias):
    """Every combination of choices, tried: the allocation keeps the most."""
    rng = np.random.default_rng(seed)
    spectra = [
        np.sort(rng.uniform(0.01, 3, size=min(n_in + (bias == "augment"), n_out)))[::-1]
        for n_in, n_out in shapes
    ]
    dense = [dense_n_params(*shape) for shape in shapes]
    budget = fraction * sum(dense)

    def choices(spectrum, shape):
        limit = min(breakeven_rank(shape, bias), len(spectrum))
        energy = np.cumsum(spectrum**2)
        options = [(None, dense_n_params(*shape), 0.0)]
        for rank in range(1, limit + 1):
            value = np.log(energy[rank - 1] / energy[-1])
            options.append((rank, factored_n_params(*shape, rank, bias), value))
        return options

    best_value, feasible = -np.inf, False
    for combination in itertools.product(
        *[choices(s, shape) for s, shape in zip(spectra, shapes, strict=True)]
    ):
        if sum(cost for _, cost, _ in combination) <= budget:
            feasible = True
            best_value = max(best_value, sum(value for *_, value in combination))
    if not feasible:
        with pytest.raises(ValueError):
            allocate_ranks(spectra, shapes, bias, budget)
        return
    ranks = allocate_ranks(spectra, shapes, bias, budget)
    options = [
        {rank: (cost, value) for rank, cost, value in choices(s, shape)}
        for s, shape in zip(spectra, shapes, strict=True)
    ]
    cost = sum(option[rank][0] for option, rank in zip(options, ranks, strict=True))
    value = sum(option[rank][1] for option, rank in zip(options, ranks, strict=True))
    assert cost <= budget
    assert value == pytest.approx(best_value, abs=1e-9)

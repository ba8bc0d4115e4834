"""Decide, then build: a plan of every layer's rank, read off the spectra first."""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator

import sklearn_svdmlp._compression._spectra as spectra_module
from sklearn_svdmlp import DenseLayer, SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._plan import Plan, make_plan
from sklearn_svdmlp._compression._rank_selection import breakeven_rank, energy_rank
from sklearn_svdmlp._compression._spectra import NetworkSpectra
from sklearn_svdmlp._network import mlp_layers


def _layers(rng):
    return [
        DenseLayer(rng.normal(size=(20, 30)), rng.normal(size=30), "relu"),
        DenseLayer(rng.normal(size=(30, 3)), rng.normal(size=3), "softmax"),
    ]


def test_a_plan_resolves_every_request_before_anything_is_built(rng):
    original = _layers(rng)
    spectra = NetworkSpectra(original, "separate")
    s0, s1 = spectra.layer(0)[1], spectra.layer(1)[1]
    # An int is capped at the spectrum (20: full rank, which cannot save);
    # a fraction is the energy rank, kept where factoring saves.
    saves = energy_rank(s1, 0.5) <= breakeven_rank((30, 3), "separate")
    expected = energy_rank(s1, 0.5) if saves else None
    plan = make_plan("svd", [1000, 0.5], spectra, "separate")
    assert plan.ranks == (None, expected)
    plan = make_plan("svd", [5, 0.5], spectra, "separate")
    assert plan.ranks == (5, expected)
    assert plan.triplets == (5, None) and not plan.is_truncation
    plan = make_plan("svd", [0.3, None], spectra, "separate")
    assert energy_rank(s0, 0.3) <= breakeven_rank((20, 30), "separate")
    assert plan.ranks == (energy_rank(s0, 0.3), None)


def test_a_truncation_plan_cuts_one_layer(rng):
    original = _layers(rng)
    spectra = NetworkSpectra(original, "augment")
    plan = make_plan("truncated", [7, None], spectra, "augment")
    assert plan == Plan(ranks=(7, None), cut=0, triplets=(7, None))
    assert plan.is_truncation and plan.triplets_of(1) is None


@pytest.mark.parametrize("svd_on", ["activations", "outputs"])
def test_an_energy_fraction_refers_to_the_original_networks_spectrum(
    fitted_mlp, digits_split, svd_on
):
    """Above a compressed layer too: the plan does not depend on the build."""
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=[4, 0.8, None], svd_on=svd_on
    ).fit(X_train, y_train)
    hidden = np.maximum(X_train @ fitted_mlp.coefs_[0] + fitted_mlp.intercepts_[0], 0)
    Z = hidden @ fitted_mlp.coefs_[1] + fitted_mlp.intercepts_[1]
    Z -= Z.mean(axis=0)
    s = np.linalg.svd(Z / np.sqrt(len(Z)), compute_uv=False)
    assert model.ranks_[:2] == [4, energy_rank(s, 0.8)]
    # The factors are still fitted on the data the compressed layer below
    # gives: that spectrum is the one reported.
    assert not np.allclose(model.singular_values_[1][:5], s[:5])


def test_a_search_decomposes_each_layer_once(fitted_mlp, digits_split, monkeypatch):
    X_train, X_test, y_train, y_test = digits_split
    calls = []
    decompose = spectra_module.decompose
    monkeypatch.setattr(
        spectra_module,
        "decompose",
        lambda *args: calls.append(1) or decompose(*args),
    )
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank="auto", max_score_drop=0.02
    ).fit(X_train, y_train, X_val=X_test, y_val=y_test)
    n_candidates = sum(len(layer["ranks"]) for layer in model.sensitivity_)
    assert n_candidates > 10
    assert len(calls) == len(mlp_layers(fitted_mlp))  # not once per candidate

"""GridSearchCV over rank on a Dask cluster, through joblib."""

import os
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest

# The dask extra; without it, these tests skip.
distributed = pytest.importorskip("distributed")
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def search(**params):
    return GridSearchCV(
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=50, random_state=0), random_state=0, **params
        ),
        {"rank": [2, 4, 8], "method": ["svd", "truncated"]},
        cv=3,
        n_jobs=-1,
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_scores_as_a_local_run(client, digits_split):
    X_train, X_test, y_train, y_test = digits_split
    local = search().fit(X_train, y_train)
    with joblib.parallel_config(backend="dask"):
        remote = search().fit(X_train, y_train)
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_params_ == local.best_params_
    assert remote.score(X_test, y_test) == local.score(X_test, y_test)


def process_id(estimator, X, y):
    """A scorer that records which process scored the candidate."""
    return os.getpid()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_candidates_are_fitted_on_the_workers(client, digits_split):
    X_train, _, y_train, _ = digits_split
    with joblib.parallel_config(backend="dask"):
        remote = (
            search()
            .set_params(scoring={"pid": process_id}, refit=False)
            .fit(X_train, y_train)
        )
    scored_in = {
        int(pid)
        for name, pids in remote.cv_results_.items()
        if name.startswith("split") and name.endswith("_test_pid")
        for pid in pids
    }
    workers = set(client.run(os.getpid).values())
    assert scored_in and scored_in <= workers and os.getpid() not in scored_in


def test_shared_memory_holds_one_network_per_fold(client, digits_split, tmp_path):
    """Workers reach the same cache: 18 candidates, 3 cached networks.

    (Two workers that miss the cache for one fold at the same moment both fit
    it; they store the same result.)
    """
    X_train, _, y_train, _ = digits_split
    with joblib.parallel_config(backend="dask"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search(memory=str(tmp_path)).set_params(refit=False).fit(X_train, y_train)
    # joblib.Memory keeps one folder per distinct call of the cached function.
    calls = [p for p in Path(tmp_path).rglob("output.pkl") if "_fit_network" in str(p)]
    assert len(calls) == 3

"""GridSearchCV over rank on a Dask cluster, through joblib."""

import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
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
    # The work ran on the two worker processes.
    assert len(client.scheduler_info()["workers"]) == 2


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

"""scikit-learn's own estimator checks, over several configurations."""

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_svdmlp import SVDCompressedMLPClassifier

SMALL_NETWORK = MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=300, random_state=0)

INSTANCES = [
    SVDCompressedMLPClassifier(),
    SVDCompressedMLPClassifier(SMALL_NETWORK, rank=2),
    SVDCompressedMLPClassifier(SMALL_NETWORK, rank=0.8, bias="augment"),
    SVDCompressedMLPClassifier(SMALL_NETWORK, rank=[None, 3, None]),
    SVDCompressedMLPClassifier(SMALL_NETWORK, rank=None),
    SVDCompressedMLPClassifier(SMALL_NETWORK, method="truncated", rank=3),
    SVDCompressedMLPClassifier(
        SMALL_NETWORK, method="truncated", rank=[0.9, None, None], bias="augment"
    ),
    SVDCompressedMLPClassifier(SMALL_NETWORK, rank=3, svd_on="activations"),
    SVDCompressedMLPClassifier(
        SMALL_NETWORK,
        rank=3,
        svd_on="outputs",
        fine_tune_epochs=2,
        fine_tune_distillation=0.5,
    ),
    SVDCompressedMLPClassifier(SMALL_NETWORK, rank="auto", target_ratio=1.5),
    SVDCompressedMLPClassifier(
        SMALL_NETWORK,
        method="truncated",
        rank=2,
        svd_on="activations",
        fine_tune_epochs=3,
    ),
    SVDCompressedMLPClassifier(SMALL_NETWORK, rank=2, fine_tune_epochs=3),
    SVDCompressedMLPClassifier(
        SMALL_NETWORK, rank=2, quantize="int8", integer_only=True
    ),
    SVDCompressedMLPClassifier(
        SMALL_NETWORK, method="truncated", rank=3, quantize="int8", integer_only=True
    ),
]
# rank="auto" with max_score_drop is not among them: its validation part is a
# random split, so integer sample weights are not equivalent to repeated rows
# (check_sample_weight_equivalence_on_dense_data), as for MLPClassifier with
# early_stopping. It is documented on the parameter and tested on its own in
# test_score_drop_search.py.


# The networks are kept small so the checks stay fast; MLPClassifier warns that
# it has not converged on several check data sets, which is not a failure.
@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(INSTANCES)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

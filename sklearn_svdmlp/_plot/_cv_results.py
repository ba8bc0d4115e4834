"""Reading the curves to draw off a grid search's ``cv_results_``."""

import numpy as np

from ._common import SIZES, same_value, size_axis


def curves_from_cv_results(cv_results, metric, group_by, size, ratio_key=None):
    """The compression ratios and scores of each curve, its labels, the metric.

    See :meth:`CompressionCurveDisplay.from_cv_results` for the parameters
    and the errors.

    Returns
    -------
    ratios, scores : list of ndarray
        One array per curve.
    labels : list of str or None
    metric : str
        The score drawn.
    """
    key, scorer, _ = size_axis(size)
    if ratio_key is not None:
        if not isinstance(ratio_key, str):
            raise TypeError(
                "ratio_key must be the name (str) the search's scoring gives "
                f"{scorer.__name__}, or None; got {ratio_key!r}."
            )
        if f"mean_test_{ratio_key}" not in cv_results:
            scores = sorted(
                name.removeprefix("mean_test_")
                for name in cv_results
                if name.startswith("mean_test_")
            )
            raise ValueError(
                f"ratio_key must be one of the search's scores {scores}; got "
                f"{ratio_key!r}."
            )
        key = ratio_key
    elif f"mean_test_{key}" not in cv_results:
        raise ValueError(
            "cv_results has no compression ratio: give the search "
            f"scoring={{..., {key!r}: {scorer.__name__}}}, or name its key with "
            "ratio_key."
        )
    # The size scores are not scores to draw.
    sizes = {f"mean_test_{name}" for name, _, _ in SIZES.values()} | {
        f"mean_test_{key}"
    }
    metrics = [
        name.removeprefix("mean_test_")
        for name in cv_results
        if name.startswith("mean_test_") and name not in sizes
    ]
    if not metrics:
        raise ValueError(
            "cv_results has no score to draw besides the compression ratio: "
            "give the search a second scorer, e.g. scoring={'accuracy': "
            "'accuracy', 'compression_ratio': compression_ratio_scorer}."
        )
    if metric is None:
        if len(metrics) != 1:
            raise ValueError(
                f"metric must name one of the search's scores {metrics}; got None."
            )
        metric = metrics[0]
    elif metric not in metrics:
        raise ValueError(
            f"metric must be one of the search's scores {metrics}; got {metric!r}."
        )
    ratios = np.asarray(cv_results[f"mean_test_{key}"], float)
    scores = np.asarray(cv_results[f"mean_test_{metric}"], float)
    params = cv_results["params"]
    if group_by is None:
        groups, labels = [np.arange(len(params))], None
    else:
        if not isinstance(group_by, str):
            raise TypeError(
                f"group_by must be a parameter name (str) or None; got {group_by!r}."
            )
        missing = sum(group_by not in candidate for candidate in params)
        if missing:
            names = sorted({name for candidate in params for name in candidate})
            raise ValueError(
                "group_by must be a parameter of every candidate of the search "
                f"(parameters: {names}); {group_by!r} is missing from {missing} "
                f"of {len(params)} candidates."
            )
        # Values may be unhashable (per-layer rank lists): group by equality.
        values, group_of = [], []
        for candidate in params:
            value = candidate[group_by]
            group = next(
                (i for i, seen in enumerate(values) if same_value(value, seen)), None
            )
            if group is None:
                group = len(values)
                values.append(value)
            group_of.append(group)
        groups = [np.flatnonzero(np.equal(group_of, i)) for i in range(len(values))]
        short_name = group_by.rsplit("__", 1)[-1]
        labels = [f"{short_name}={value!r}" for value in values]
    return (
        [ratios[group] for group in groups],
        [scores[group] for group in groups],
        labels,
        metric,
    )

"""The demonstration behind ``python -m sklearn_svdmlp``."""

import argparse
import time
import warnings

from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from ._estimators import SVDCompressedMLPClassifier

DATASETS = {
    "digits": datasets.load_digits,
    "wine": datasets.load_wine,
    "iris": datasets.load_iris,
    "breast_cancer": datasets.load_breast_cancer,
}


def parse_rank(text):
    """A rank from the command line: an int >= 1 or an energy fraction in (0, 1).

    Read as the API reads it: ``4`` is a rank, ``0.8`` a fraction, and ``1.0``
    is neither (as ``rank=1.0`` is rejected).
    """
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            value = None
    if (
        isinstance(value, int)
        and value >= 1
        or isinstance(value, float)
        and 0 < value < 1
    ):
        return value
    raise argparse.ArgumentTypeError(
        f"a rank is an int >= 1 or a float in (0, 1); got {text!r}"
    )


def parse_width(text):
    """A hidden layer width from the command line: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"a hidden layer width is an int >= 1; got {text!r}"
        )
    return value


def parse_ratio(text):
    """A ratio of bytes from the command line: a number > 1."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 1:
        raise argparse.ArgumentTypeError(f"a bytes ratio is a number > 1; got {text!r}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_svdmlp",
        description=(
            "Train an MLPClassifier on a data set that scikit-learn ships, compress "
            "it at several ranks with plain SVD and with truncated SVD plus a "
            "retrained head, and print parameters, bytes, compression ratio and "
            "test accuracy; then the best model under a byte budget: each layer's "
            "rank and format (int8 or int4) chosen together, factors fitted to "
            "the layers' activations, integers rounded on the training data."
        ),
    )
    parser.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        default="digits",
        help="data set (default: digits)",
    )
    parser.add_argument(
        "--hidden-layer-sizes",
        type=parse_width,
        nargs="+",
        default=[100],
        metavar="N",
        help="hidden layer widths (default: 100)",
    )
    parser.add_argument(
        "--ranks",
        type=parse_rank,
        nargs="+",
        default=[0.9, 0.8, 32, 16, 8, 4],
        metavar="R",
        help="ranks to try: ints, or energy fractions "
        "in (0, 1) (default: 0.9 0.8 32 16 8 4)",
    )
    parser.add_argument(
        "--bias",
        choices=["separate", "augment"],
        default="separate",
        help="'separate' factors W and keeps the bias b; 'augment' factors [W; b] "
        "(default: separate)",
    )
    parser.add_argument(
        "--bytes-ratio",
        type=parse_ratio,
        default=20.0,
        metavar="X",
        help="the byte budget of the last row: the network's bytes (float64) "
        "over X (default: 20)",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        help="seed of the split, the network and the compression (default: 0)",
    )
    return parser


def run(
    dataset="digits",
    hidden_layer_sizes=(100,),
    ranks=(0.9, 0.8, 32, 16, 8, 4),
    bias="separate",
    random_state=0,
    bytes_ratio=20.0,
):
    """Train, compress at each rank with both methods, return the table rows.

    The last row is the model of ``rank="auto"`` and ``quantize="auto"``
    within the network's bytes over ``bytes_ratio``, where one fits.
    """
    X, y = DATASETS[dataset](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=random_state, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        network = MLPClassifier(
            tuple(hidden_layer_sizes), max_iter=500, random_state=random_state
        ).fit(X_train, y_train)

    rows = []
    for method, rank in [("none", None)] + [
        (method, rank) for method in ("svd", "truncated") for rank in ranks
    ]:
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            method="svd" if method == "none" else method,
            rank=rank,
            bias=bias,
            random_state=random_state,
        ).fit(X_train, y_train)
        ranks_text = "-".join("dense" if r is None else str(r) for r in model.ranks_)
        rows.append(
            (
                method,
                "" if rank is None else str(rank),
                ranks_text,
                model.n_params_,
                model.n_bytes_,
                model.compression_ratio_,
                model.score(X_test, y_test),
            )
        )
    budget = int(model.n_bytes_original_ / bytes_ratio)
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        rank="auto",
        target_bytes=budget,
        quantize="auto",
        svd_on="activations",
        bias=bias,
        random_state=random_state,
    )
    with warnings.catch_warnings():
        # It scores formats on a tenth of the training data, which the
        # network has seen: fine for choosing between them.
        warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
        try:
            model.fit(X_train, y_train)
        except ValueError:  # no model is that small
            return rows
    ranks_text = "-".join(
        ("dense" if rank is None else str(rank)) + " " + layer.format
        for rank, layer in zip(model.ranks_, model.layers_, strict=True)
    )
    rows.append(
        (
            "svd",
            f"{budget:,} B",
            ranks_text,
            model.n_params_,
            model.n_bytes_,
            model.compression_ratio_,
            model.score(X_test, y_test),
        )
    )
    return rows


def format_rows(rows):
    header = (
        "method",
        "rank",
        "ranks_",
        "parameters",
        "bytes",
        "ratio",
        "test accuracy",
    )
    lines = [header] + [
        (m, r, rs, f"{p:,}", f"{b:,}", f"{c:.2f}", f"{a:.4f}")
        for m, r, rs, p, b, c, a in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 3 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    rows = run(
        args.dataset,
        args.hidden_layer_sizes,
        args.ranks,
        args.bias,
        args.random_state,
        args.bytes_ratio,
    )
    budget = f"1/{args.bytes_ratio:g} of the network's bytes"
    if rows[-1][1].endswith(" B"):
        last = (
            f"The last is the best model within {budget}: rank='auto', "
            "quantize='auto' (int8 or int4 for each layer), svd_on='activations', "
            "integers rounded on the training data."
        )
    else:
        last = f"No model fits in {budget}: try a smaller --bytes-ratio."
    print(
        f"{args.dataset}: MLPClassifier{tuple(args.hidden_layer_sizes)}, "
        f"bias={args.bias!r}; the first row is the uncompressed network (float64). "
        f"{last} Ratio counts parameters; bytes are what is stored."
    )
    print(format_rows(rows))
    print(f"({time.perf_counter() - start:.1f} s)")

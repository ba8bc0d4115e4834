"""How ``keep_inputs="auto"`` chooses its count, against the best fixed count.

``size.py``'s kept-inputs setting: the 784-100-50-10 network on the
MNIST-like digits, trained on 90% of each run's training part, the other
10% (135 images) held out (``X_val``); ``rank="auto", quantize="auto",
rounding="data-aware", svd_on="activations"`` at 80x and 120x fewer bytes
than float64 (0 and 10 epochs of fine-tuning) and at 193,440 bytes (24,180
parameters at float64; none). For each run and budget: the counts
``"auto"`` halves through (784, 392, 196, 98, 49), the counts halfway to
98 and 49's neighbours (139, 69, 35) and ``size.py``'s 300 and 100, each
fitted as a fixed ``keep_inputs``, and ``"auto"`` itself. Test accuracy
points lost against each run's network, mean and standard error:

- each fixed count;
- ``held-out``: of the halving counts, the best score on the 135 held-out
  images (ties: fewer inputs), read from ``input_candidates_`` (the rule
  before this benchmark);
- ``all rows``: of the halving counts, the best score on every row the fit
  has (the 1,212 compressed on and the 135 held out; ties: fewer inputs);
- ``auto``: ``"auto"`` as it is: ``all rows``, then the counts halfway to
  that count's neighbours, the best of them all by the same score;
- each rule's difference to the best fixed count (the one of least mean
  drop), of every count fitted and of ``size.py``'s (every input, 300 and
  100), paired by run, and its standard error.

Run: ``python benchmarks/keep_inputs_rule.py --runs 10 --jobs 2``
"""

import argparse
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from size import KEPT_BUDGETS, fitted, held_out_network

HALVING = [784, 392, 196, 98, 49]
FIXED = [*HALVING, 139, 69, 35, 300, 100]
RULES = {"held-out": "score", "all rows": "score_all_rows"}


def run(seed):
    """``{(ratio, epochs): {name: drop}}`` of one run."""
    warnings.simplefilter("ignore")
    network, (X_train, y_train), validation, (X_test, y_test) = held_out_network(seed)
    original = sum(a.nbytes for a in [*network.coefs_, *network.intercepts_])
    baseline = network.score(X_test, y_test)
    results = {}
    for ratio, all_epochs in KEPT_BUDGETS.items():
        params = dict(
            rank="auto",
            target_bytes=int(original / ratio),
            quantize="auto",
            rounding="data-aware",
        )
        for epochs in all_epochs:
            drops = {}
            for keep in [*FIXED, "auto"]:
                model, _ = fitted(
                    network,
                    X_train,
                    y_train,
                    seed,
                    validation,
                    fine_tune_epochs=epochs,
                    keep_inputs=keep,
                    **params,
                )
                drops[keep] = 100 * (baseline - model.score(X_test, y_test))
                if keep == "auto":
                    rows = model.input_candidates_
                    drops["auto read"] = len(model.inputs_kept_)
            halving = [row for row in rows if row["n_inputs"] in HALVING]
            for rule, score in RULES.items():
                best = max(halving, key=lambda row: (row[score], -row["n_inputs"]))
                drops[rule] = drops[best["n_inputs"]]
                drops[f"{rule} read"] = best["n_inputs"]
            results[(ratio, epochs)] = drops
    return results


def report(runs):
    n_runs = len(runs)

    def mean_se(values):
        values = np.asarray(values, dtype=float)
        return values.mean(), values.std(ddof=1) / np.sqrt(n_runs)

    print(
        f"mean over {n_runs} runs of test accuracy points lost (standard error); "
        "rules: difference to the best fixed count, paired by run (its se)"
    )
    for key in runs[0]:
        ratio, epochs = key
        column = {name: [run[key][name] for run in runs] for name in runs[0][key]}
        fixed = "  ".join(
            "{}: {:.2f} ({:.2f})".format(keep, *mean_se(column[keep])) for keep in FIXED
        )
        print(f"\n{ratio:.4g}x, {epochs} epochs\n  fixed  {fixed}")
        references = {
            "every fixed count": FIXED,
            "size.py's (every input, 300, 100)": [784, 300, 100],
        }
        for name, keeps in references.items():
            best = min(keeps, key=lambda keep: np.mean(column[keep]))
            print(f"  against the best of {name}: {best} inputs")
            for rule in [*RULES, "auto"]:
                difference = np.subtract(column[rule], column[best])
                figures = (*mean_se(column[rule]), *mean_se(difference))
                read = np.mean(column[f"{rule} read"])
                print(
                    "    {:9s} {:.2f} ({:.2f}), {:+.2f} ({:.2f}); ".format(
                        rule, *figures
                    )
                    + f"mean read {read:.0f}"
                )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    runs = Parallel(n_jobs=args.jobs)(delayed(run)(seed) for seed in range(args.runs))
    report(runs)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

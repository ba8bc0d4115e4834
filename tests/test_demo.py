"""The main job: ``python -m sklearn_svdmlp``."""

import re
import subprocess
import sys

import pytest

from sklearn_svdmlp._demo import build_parser, main, parse_rank, run


def test_demo_table_has_uncompressed_row_first_and_both_methods():
    rows = run("wine", hidden_layer_sizes=(16,), ranks=(0.8, 2), bytes_ratio=4)
    methods = ["none", "svd", "svd", "truncated", "truncated", "svd"]
    assert [row[0] for row in rows] == methods
    method, rank, ranks, n_params, n_bytes, ratio, accuracy = rows[0]
    assert (
        ranks == "dense-dense"
        and ratio == 1.0
        and n_params == 13 * 16 + 16 + 16 * 3 + 3
        and n_bytes == 8 * n_params
    )
    # Truncation to 2 units keeps 13*2+2 weights and a 2 -> 3 logistic head.
    assert rows[-2][3] == 13 * 2 + 2 + 2 * 3 + 3
    assert all(0 <= row[6] <= 1 for row in rows)
    # The last: the best model within a quarter of the network's bytes, its
    # layers in int8 or int4.
    budget = 8 * n_params // 4
    assert rows[-1][1] == f"{budget:,} B" and rows[-1][4] <= budget
    assert all(
        layer.split(" ")[1] in ("int8", "int4") for layer in rows[-1][2].split("-")
    )


def test_demo_prints_the_table(capsys):
    main(["--dataset", "iris", "--hidden-layer-sizes", "8", "--ranks", "2"])
    out = capsys.readouterr().out
    assert "method" in out and "bytes" in out and "test accuracy" in out
    # A twentieth of 67 numbers' bytes holds no model: the table says so.
    assert "No model fits in 1/20 of the network's bytes" in out
    assert out.count("\nsvd") == 1 and out.count("\ntruncated") == 1
    main(
        [
            "--dataset",
            "iris",
            "--hidden-layer-sizes",
            "8",
            "--ranks",
            "2",
            "--bytes-ratio",
            "3",
        ]
    )
    out = capsys.readouterr().out
    assert "The last is the best model within 1/3" in out
    assert out.count("\nsvd") == 2


def test_parse_rank():
    assert parse_rank("4") == 4 and parse_rank("0.5") == 0.5
    for bad in ["0", "1.5", "-2"]:
        with pytest.raises(Exception, match="a rank is an int >= 1"):
            parse_rank(bad)


def test_help_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_svdmlp", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--dataset" in result.stdout and "--ranks" in result.stdout
    assert "--hidden-layer-sizes" in result.stdout


def test_bad_dataset_is_refused():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--dataset", "mnist"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--hidden-layer-sizes", "0"], "a hidden layer width is an int >= 1; got '0'"),
        (["--hidden-layer-sizes", "x"], "a hidden layer width is an int >= 1"),
        (
            ["--ranks", "abc"],
            "a rank is an int >= 1 or a float in \\(0, 1\\); got 'abc'",
        ),
        (["--ranks", "1.0"], "got '1.0'"),
        (["--bytes-ratio", "1"], "a bytes ratio is a number > 1; got '1'"),
    ],
)
def test_bad_flags_are_refused_with_a_clear_message(argv, message, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)
    error = capsys.readouterr().err
    assert re.search(message, error) and "parse_" not in error


def test_every_flag_has_help():
    parser = build_parser()
    for action in parser._actions:
        assert action.help, action.option_strings

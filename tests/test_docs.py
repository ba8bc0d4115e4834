"""The documentation builds with no warnings, running every gallery example."""

import html as html_text
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_svdmlp

# The docs extra (which brings the gallery's onnx and plot); without it, skip.
for _module in ["sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme"]:
    pytest.importorskip(_module)

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """``python -m sphinx -W -b html docs ...`` on a copy of docs/ and examples/."""
    work = tmp_path_factory.mktemp("site")
    ignore = shutil.ignore_patterns("_build", "generated", "auto_examples")
    shutil.copytree(ROOT / "docs", work / "docs", ignore=ignore)
    shutil.copytree(ROOT / "examples", work / "examples")
    html = work / "html"
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", "html", "docs", str(html)],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-5000:]
    return work, html


def test_examples_exist():
    assert len(EXAMPLES) >= 5


def printed_output(page):
    """What an example printed, as sphinx-gallery shows it under its code."""
    blocks = re.findall(r'class="sphx-glr-script-out.*?<pre>(.*?)</pre>', page, re.S)
    return html_text.unescape(re.sub(r"<[^>]+>", "", "".join(blocks)))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_example_ran_and_drew(built_site, example):
    work, html = built_site
    page = (html / "auto_examples" / f"{example.stem}.html").read_text()
    # Every example prints its models' compression ratio.
    assert "compression ratio" in printed_output(page)
    images = work / "docs" / "auto_examples" / "images"
    assert list(images.glob(f"sphx_glr_{example.stem}_*.png"))


def test_api_reference_lists_every_public_name(built_site):
    _, html = built_site
    for name in sklearn_svdmlp.__all__:
        if name != "__version__":
            assert (html / "generated" / f"sklearn_svdmlp.{name}.html").exists()
    # scikit-learn's inherited ``score`` docstring cites its own user guide.
    page = html / "generated" / "sklearn_svdmlp.SVDCompressedMLPClassifier.html"
    assert "model_evaluation.html#accuracy-score" in page.read_text()


@pytest.mark.parametrize(
    "name",
    ["SVDCompressedMLPClassifier", "SVDCompressedMLPRegressor"],
)
def test_every_parameter_and_fit_argument_is_described(name):
    from numpydoc.docscrape import ClassDoc, FunctionDoc

    estimator = getattr(sklearn_svdmlp, name)
    documented = {p.name: " ".join(p.desc) for p in ClassDoc(estimator)["Parameters"]}
    for parameter in estimator().get_params():
        assert documented.get(parameter, "").strip(), f"{name}: {parameter}"
    fit = {p.name: " ".join(p.desc) for p in FunctionDoc(estimator.fit)["Parameters"]}
    assert "numbers for the regressor" in fit["y"]
    assert {"X_val", "y_val", "sample_weight_val"} <= set(fit)


@pytest.mark.parametrize("layer", ["DenseLayer", "FactoredLayer"])
def test_layer_forward_documents_its_parameters_and_result(layer):
    from numpydoc.docscrape import FunctionDoc

    forward = FunctionDoc(getattr(sklearn_svdmlp, layer).forward)
    assert [p.name for p in forward["Parameters"]] == ["X", "buffers"]
    assert [p.name for p in forward["Returns"]] == ["output"]

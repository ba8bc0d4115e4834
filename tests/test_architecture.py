"""The package's shape, as ARCHITECTURE.md describes it, checked.

Subpackages stack in layers; a module imports only from its own subpackage
or from a layer below, never upward, and no imports go round in a cycle.
Modules stay small, each concept is read in one place, and private names
of scikit-learn are imported only in ``_compat.py``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "sklearn_svdmlp"

# Lowest first: a part may import from the parts below it.
LAYERS = {
    "_compat": 0,
    "_threads": 0,
    "_warnings": 0,
    "_split": 0,
    "_formats": 1,
    "_network": 2,
    "_compression": 3,
    "_estimators": 4,
    "_export": 5,
    "_plot": 5,
    "__init__": 6,
    "__main__": 7,
    "_demo": 6,
    "onnx": 6,
    "device": 6,
}
MAX_LINES = 400


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def _name(path):
    """``sklearn_svdmlp._network._layers`` for its file."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """The package's own modules that ``path`` imports, anywhere in it."""
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("sklearn_svdmlp"):
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name
                for alias in node.names
                if alias.name.startswith("sklearn_svdmlp")
            )
    known = {_name(module) for module in _modules()}
    return {module for module in found if module in known and module != name}


def _part(module):
    """The top-level part of the package a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_at_least_three_subpackages_show_the_architecture():
    subpackages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert {"_formats", "_network", "_compression", "_estimators"} <= subpackages
    assert subpackages | {path.stem for path in PACKAGE.glob("*.py")} <= set(LAYERS)


@pytest.mark.parametrize("path", _modules(), ids=lambda path: _name(path))
def test_no_import_goes_upward(path):
    source = _part(_name(path))
    for module in _imports(path):
        target = _part(module)
        if target != source:
            assert LAYERS[target] < LAYERS[source], (
                f"{_name(path)} imports {module}: {target} is not below {source}"
            )


def test_no_import_cycle():
    graph = {_name(path): _imports(path) for path in _modules()}
    state = {}

    def visit(module, trail):
        state[module] = "open"
        for target in graph[module]:
            assert state.get(target) != "open", " -> ".join([*trail, target])
            if target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("path", _modules(), ids=lambda path: _name(path))
def test_modules_stay_small(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_the_base_class_declares_what_subclasses_supply():
    from sklearn_svdmlp._estimators._base import BaseSVDCompressedMLP

    hooks = BaseSVDCompressedMLP.__abstractmethods__
    assert hooks == {
        "_check_targets",
        "_check_frozen_targets",
        "_target_attributes",
        "_stratify",
        "_new_head",
    }

    class Incomplete(BaseSVDCompressedMLP):
        def _check_targets(self, y):
            return y

    with pytest.raises(TypeError, match="abstract method"):
        Incomplete()


def test_the_output_rule_is_read_in_one_place():
    readers = [
        _name(path) for path in _modules() if "out_activation_" in path.read_text()
    ]
    assert readers == ["sklearn_svdmlp._network._output"]


def test_private_scikit_learn_names_only_in_compat():
    """Tests, benchmarks and the package import them through ``_compat``."""
    offenders = []
    for folder in ["sklearn_svdmlp", "tests", "benchmarks", "examples"]:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                module = getattr(node, "module", None) or ""
                private = any(part.startswith("_") for part in module.split("."))
                if (
                    isinstance(node, ast.ImportFrom)
                    and not node.level
                    and module.split(".")[0] in ("sklearn", "skl2onnx")
                    and private
                ):
                    offenders.append(f"{path.relative_to(ROOT)}: {module}")
    compat = "sklearn_svdmlp/_compat.py"
    assert all(offender.startswith(compat) for offender in offenders), offenders

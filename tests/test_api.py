"""The public API: every exported name is documented, and the core never imports an interface."""

import ast
import inspect
from pathlib import Path

import jakpath

SRC = Path(jakpath.__file__).parent
CORE = ("kb", "exposure", "inhibition", "matching", "population")
INTERFACES = ("jakpath.cli", "jakpath.web", "jakpath.plots")


def test_every_public_name_has_a_docstring():
    for name in jakpath.__all__:
        obj = getattr(jakpath, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), name


def test_core_layers_do_not_import_interfaces():
    for layer in CORE:
        for path in (SRC / layer).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith(INTERFACES), f"{path}: {node.module}"
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        assert not alias.name.startswith(INTERFACES), f"{path}: {alias.name}"


def test_layers_point_one_way():
    # data -> kb -> exposure -> inhibition -> matching; population wraps exposure+inhibition
    forbidden = {
        "kb": ("jakpath.exposure", "jakpath.inhibition", "jakpath.matching", "jakpath.population"),
        "exposure": ("jakpath.inhibition", "jakpath.matching", "jakpath.population"),
        "inhibition": ("jakpath.matching", "jakpath.population"),
    }
    for layer, banned in forbidden.items():
        for path in (SRC / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith(banned), f"{path}: {node.module}"

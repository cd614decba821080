"""The house stays easy to extend: modules import, packages talk through public names, the
population modules have no import cycle, public functions of matching and population are
annotated, and the docstring examples of selected modules run."""

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import jakpath

SRC = Path(jakpath.__file__).parent

SKIP_IMPORT = ("jakpath.evidence.migrations",)
"""Alembic's migration scripts run only inside Alembic (they read its context at import);
``__main__`` modules run the program when imported."""

ANNOTATED_PACKAGES = ("matching", "population")
"""Packages whose public functions and methods must be fully annotated."""

DOCTEST_MODULES = (
    "jakpath.formats",
    "jakpath.notice",
    "jakpath.cli.output",
    "jakpath.inhibition.hill",
    "jakpath.inhibition.pathways",
    "jakpath.kb.knowledge_base",
    "jakpath.population.backends",
    "jakpath.population.chunks",
    "jakpath.population.random",
)
"""Modules whose docstring examples are executed as tests."""


def _modules():
    return sorted(
        m.name
        for m in pkgutil.walk_packages([str(SRC)], prefix="jakpath.")
        if not m.name.startswith(SKIP_IMPORT) and not m.name.endswith(".__main__")
    )


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _sources():
    for path in sorted(SRC.rglob("*.py")):
        yield path, _module_name(path), ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", _modules())
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_private_name_is_imported_across_packages():
    crossing = []
    for _path, module, tree in _sources():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.module):
                continue
            if not node.module.startswith("jakpath"):
                continue
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and _package(node.module) != _package(module):
                    crossing.append(f"{module} imports {node.module}.{alias.name}")
    assert not crossing, "\n".join(crossing)


def _imports(tree) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_population_modules_have_no_import_cycle():
    graph = {
        module: {m for m in _imports(tree) if m.startswith("jakpath.population.")}
        for path, module, tree in _sources()
        if module.startswith("jakpath.population.")
    }

    def reaches(start, goal, seen=()):
        return any(
            n == goal or (n not in seen and reaches(n, goal, (*seen, n)))
            for n in graph.get(start, ())
        )

    cycles = [m for m in graph if reaches(m, m)]
    assert not cycles, cycles


def _unannotated(fn) -> list[str]:
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    missing = [a.arg for a in args if a.annotation is None and a.arg not in ("self", "cls")]
    for star in (fn.args.vararg, fn.args.kwarg):
        if star is not None and star.annotation is None:
            missing.append(star.arg)
    if fn.returns is None and fn.name != "__init__":
        missing.append("return")
    return missing


def test_public_functions_of_matching_and_population_are_annotated():
    problems = []
    for _path, module, tree in _sources():
        if _package(module) not in ANNOTATED_PACKAGES:
            continue
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            if not cls.name.startswith("_"):
                functions += [n for n in cls.body if isinstance(n, ast.FunctionDef)]
        for fn in functions:
            if fn.name.startswith("_") and fn.name != "__init__":
                continue
            missing = _unannotated(fn)
            if missing:
                problems.append(f"{module}.{fn.name}: {', '.join(missing)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no docstring examples"
    assert result.failed == 0


def test_knowledge_base_declares_every_table_attribute():
    from jakpath.kb import KnowledgeBase
    from jakpath.kb.tables import TABLES

    declared = {n for n, t in KnowledgeBase.__annotations__.items() if t == "pd.DataFrame"}
    assert declared == set(TABLES)

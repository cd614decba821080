"""Import weight and names: a plain ``import jakpath`` stays light, and no public function hides
the subpackage of the same name."""

import inspect
import json
import subprocess
import sys

import pandas as pd

HEAVY = ("sqlalchemy", "fastapi", "matplotlib", "plotly", "uvicorn", "starlette", "alembic")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_jakpath_does_not_import_interfaces_or_databases():
    loaded = _modules_after("import jakpath")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_the_cli_loads_no_database_or_web_stack_for_a_model_answer():
    loaded = _modules_after("import jakpath.cli.main")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_lazy_public_names_resolve():
    import jakpath
    from jakpath import explain, rank
    from jakpath.matching import explain as explain_fn
    from jakpath.matching import rank as rank_fn

    assert rank is rank_fn and explain is explain_fn
    assert set(jakpath.__all__) <= set(dir(jakpath))


def test_subpackages_are_importable_beside_the_functions_of_the_same_name():
    import jakpath
    import jakpath.inhibition.potency as p
    import jakpath.population.kernel as k
    from jakpath.inhibition.pathways import inhibition
    from jakpath.population.simulate import population

    assert p.potency_map and k.trapezoid_weights
    assert callable(jakpath.inhibition) and callable(jakpath.population)
    assert inspect.signature(jakpath.inhibition) == inspect.signature(inhibition)
    assert inspect.signature(jakpath.population) == inspect.signature(population)
    kb = jakpath.load_kb()
    pd.testing.assert_frame_equal(
        jakpath.inhibition("tofacitinib", "5 mg bid", ["IL6"], kb=kb),
        inhibition("tofacitinib", "5 mg bid", ["IL6"], kb=kb),
    )
    a = jakpath.population("tofacitinib", "5 mg bid", 200, pathways=["IL6"], kb=kb, seed=3)
    b = population("tofacitinib", "5 mg bid", 200, pathways=["IL6"], kb=kb, seed=3)
    pd.testing.assert_frame_equal(a, b)

"""The core install runs the main job; each missing extra gives a message naming it.

Each check runs in a subprocess whose import system refuses the optional packages (a meta
path finder placed first in ``sys.meta_path``), i.e. what ``pip install -e .`` without extras
leaves importable. The demo's output there must equal its output with every extra present
(the store seeded from the same shipped records), so the fallback changes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jakpath.extras import EXTRAS

SRC = Path(__file__).resolve().parents[1] / "src"

BLOCKED = sorted({m for mods in EXTRAS.values() for m in mods} | {"starlette"})

BLOCKER = textwrap.dedent(
    f"""
    import sys
    from importlib.abc import MetaPathFinder

    BLOCKED = {BLOCKED!r}

    class Refuse(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    """
)


def run(code: str, tmp_path: Path, *, block: bool = True) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PYTHONPATH=str(SRC),
        JAKPATH_DATA_DIR=str(tmp_path / "data"),
        COLUMNS="200",
    )
    env.pop("JAKPATH_DATABASE_URL", None)
    script = (BLOCKER if block else "") + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600
    )


def cli(args: list[str], tmp_path: Path, *, block: bool = True) -> subprocess.CompletedProcess:
    return run(
        f"""
        import sys
        from jakpath.cli.main import main
        sys.argv = ["jakpath", *{args!r}]
        main()
        """,
        tmp_path,
        block=block,
    )


def test_the_blocker_really_blocks(tmp_path):
    r = run("import sqlalchemy", tmp_path)
    assert r.returncode != 0 and "blocked" in r.stderr


def test_demo_runs_without_extras_and_matches_the_full_install(tmp_path):
    core = cli(["demo"], tmp_path / "core")
    assert core.returncode == 0, core.stderr + core.stdout
    assert "dermatomyositis: top candidates" in core.stdout
    assert "Why " in core.stdout
    full = cli(["demo"], tmp_path / "full", block=False)
    assert full.returncode == 0, full.stderr
    assert core.stdout == full.stdout


def test_python_api_core_paths_without_extras(tmp_path):
    r = run(
        f"""
        import sys
        import jakpath
        jakpath.simulate("upadacitinib", "15 mg qd")
        jakpath.inhibition("tofacitinib", "5 mg bid", pathways=["IL-6"])
        df = jakpath.rank("dermatomyositis")
        assert len(df) and df.evidence_level.notna().all()
        import jakpath.evidence
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in {BLOCKED!r})
        assert not loaded, loaded
        print("ok")
        """,
        tmp_path,
    )
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["cases", "list"], "db"),
        (["serve"], "web"),
        (["simulate", "upadacitinib", "15 mg qd", "--plot", "{tmp}/x.png"], "plot"),
        (["export", "sbml", "upadacitinib", "15 mg qd", "{tmp}/m.xml"], "sbml"),
        (["export", "tables", "{tmp}/t", "--format", "parquet"], "export"),
    ],
)
def test_each_missing_extra_names_itself_and_exits_1(tmp_path, args, extra):
    r = cli([a.format(tmp=tmp_path) for a in args], tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert f"[{extra}]" in out and f"pip install 'jakpath[{extra}]'" in " ".join(out.split())
    assert "Traceback" not in out


@pytest.mark.parametrize(("backend", "extra"), [("jax", "gpu"), ("dask", "dask")])
def test_missing_backend_names_its_extra(tmp_path, backend, extra):
    r = cli(
        ["population", "tofacitinib", "5 mg bid", "--n", "10", "--backend", backend],
        tmp_path,
    )
    out = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 2, out
    assert f"pip install 'jakpath[{extra}]'" in out


@pytest.mark.parametrize(
    ("module", "extra"), [("jakpath.evidence.store", "db"), ("jakpath.web", "web")]
)
def test_importing_an_extra_module_names_the_extra(tmp_path, module, extra):
    r = run(
        f"""
        from jakpath.extras import MissingExtraError
        try:
            import {module}
        except MissingExtraError as exc:
            print(exc)
        """,
        tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert f"[{extra}] extra" in r.stdout

"""The derived-table cache: equal to a fresh computation, rebuilt when data or code change."""

import csv
import math
import os
import shutil

import pandas as pd
import pytest

from jakpath.inhibition import potency
from jakpath.kb import cache, load_kb
from jakpath.kb.load import default_data_dir


def _frame(table) -> pd.DataFrame:
    rows = [p.as_row() for p in table.values()]
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(table.keys())).sort_index()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    potency.potency_map.cache_clear()
    yield folder
    potency.potency_map.cache_clear()


def _entries(folder):
    return sorted(p.name for p in folder.glob("potency_map-*.pkl")) if folder.exists() else []


def test_cached_potency_map_equals_a_fresh_computation(cache_dir, monkeypatch):
    kb = load_kb()
    first = potency.potency_map(kb)  # computes and writes
    assert len(_entries(cache_dir)) == 1
    potency.potency_map.cache_clear()

    def no_compute(_kb):
        raise AssertionError("recomputed although the cache holds this data and code version")

    monkeypatch.setattr(potency, "build_potency_map", no_compute)
    cached = potency.potency_map(kb)  # read back from disk
    monkeypatch.undo()
    fresh = potency.build_potency_map(kb)
    assert set(cached) == set(fresh) == set(first)
    pd.testing.assert_frame_equal(_frame(cached), _frame(fresh))


def _copy_kb(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    return data


def _double_one_whole_blood_value(data) -> tuple[str, str]:
    """Double one human whole-blood exact IC50 in a copy of the data; returns (drug, cytokine)."""
    path = data / "cellular_potency.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
        f.seek(0)
        lines = f.read().splitlines(keepends=True)
    for i, r in enumerate(rows):
        if r["matrix"] == "whole_blood" and r["species"] == "human" and r["relation"] in ("=", ""):
            old = r["value_nM"]
            line = lines[i + 1]
            assert line.count(f",{old},") == 1
            lines[i + 1] = line.replace(f",{old},", f",{float(old) * 2:g},")
            path.write_text("".join(lines))
            return r["drug_id"], r["cytokine_id"]
    raise AssertionError("no whole-blood record to change")


def test_rebuilt_when_the_data_change(cache_dir, tmp_path):
    kb = load_kb(_copy_kb(tmp_path / "a"))
    before = potency.potency_map(kb)
    key_before = cache.cache_key(kb, "potency_map")
    same = load_kb(_copy_kb(tmp_path / "b"))  # identical files elsewhere: the same entry
    assert same is not kb and cache.cache_key(same, "potency_map") == key_before
    data = _copy_kb(tmp_path / "c")
    drug, cid = _double_one_whole_blood_value(data)
    changed = load_kb(data)
    key_after = cache.cache_key(changed, "potency_map")
    assert key_after != key_before
    after = potency.potency_map(changed)
    assert _entries(cache_dir) == [key_after]  # the stale entry is replaced
    pd.testing.assert_frame_equal(_frame(after), _frame(potency.build_potency_map(changed)))
    assert after[(drug, cid)].ic50_total_nM != before[(drug, cid)].ic50_total_nM


def test_rebuilt_when_the_code_changes(cache_dir, monkeypatch, tmp_path):
    kb = load_kb()
    potency.potency_map(kb)
    key = cache.cache_key(kb, "potency_map")
    # the code fingerprint covers every module of the package: edit a copy and hash again
    pkg = tmp_path / "pkg"
    shutil.copytree(cache._PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("data", "__pycache__"))
    monkeypatch.setattr(cache, "_PACKAGE_DIR", pkg)
    cache.code_fingerprint.cache_clear()
    assert cache.cache_key(kb, "potency_map") == key
    screen = pkg / "inhibition" / "screen.py"
    screen.write_text(screen.read_text().replace("SIBLING_FOLD = 3.0", "SIBLING_FOLD = 4.0"))
    cache.code_fingerprint.cache_clear()
    new_key = cache.cache_key(kb, "potency_map")
    assert new_key != key
    calls = []
    real = potency.build_potency_map
    monkeypatch.setattr(potency, "build_potency_map", lambda kb: calls.append(1) or real(kb))
    potency.potency_map.cache_clear()
    potency.potency_map(kb)
    assert calls == [1]
    assert _entries(cache_dir) == [new_key]
    monkeypatch.undo()
    cache.code_fingerprint.cache_clear()


def test_unwritable_or_damaged_cache_falls_back_to_computing(tmp_path, monkeypatch):
    kb = load_kb()
    fresh = _frame(potency.build_potency_map(kb))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))  # cannot be created
    potency.potency_map.cache_clear()
    pd.testing.assert_frame_equal(_frame(potency.potency_map(kb)), fresh)

    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    folder.mkdir()
    (folder / cache.cache_key(kb, "potency_map")).write_bytes(b"\x80\x05 damaged")
    potency.potency_map.cache_clear()
    pd.testing.assert_frame_equal(_frame(potency.potency_map(kb)), fresh)
    assert cache._read(
        folder / cache.cache_key(kb, "potency_map"), cache.cache_key(kb, "potency_map")
    )
    potency.potency_map.cache_clear()


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    assert cache.cache_dir() is None
    assert cache.derived(load_kb(), "anything", lambda: 42) == 42
    assert not (tmp_path / "cache").exists()
    monkeypatch.delenv(cache.NO_CACHE_ENV)
    monkeypatch.setenv(cache.CACHE_ENV, "")
    assert cache.cache_dir() is None


def test_infinite_and_nan_fields_survive_the_round_trip(cache_dir):
    value = {"a": math.inf, "b": float("nan")}
    assert cache.derived(load_kb(), "probe", lambda: value) is value  # computed
    back = cache.derived(load_kb(), "probe", lambda: None)  # read back, not recomputed
    assert back["a"] == math.inf and math.isnan(back["b"])


def test_cached_enzyme_fits_equal_a_fresh_computation(cache_dir, monkeypatch):
    kb = load_kb()
    potency.enzyme_fits.cache_clear()
    potency.enzyme_fits(kb)  # computes and writes
    assert len(list(cache_dir.glob("enzyme_fits-*.pkl"))) == 1
    potency.enzyme_fits.cache_clear()
    monkeypatch.setattr(potency, "build_enzyme_fits", lambda _kb: pytest.fail("recomputed"))
    cached = potency.enzyme_fits(kb)
    monkeypatch.undo()
    potency.enzyme_fits.cache_clear()
    assert cached == potency.build_enzyme_fits(kb)


def test_put_keeps_the_newest_entries_of_a_kind(cache_dir):
    kb = load_kb()
    for i in range(4):
        cache.put(kb, f"kind-{i}", i, keep=("kind-", 2))
        (path,) = cache_dir.glob(f"kind-{i}-*.pkl")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # written in this order
    cache.put(kb, "other", "x", keep=("other", 2))
    left = sorted(p.name.split("-")[1] for p in cache_dir.glob("kind-*.pkl"))
    assert left == ["2", "3"]
    assert [cache.lookup(kb, f"kind-{i}") for i in (2, 3)] == [2, 3]
    assert cache.lookup(kb, "kind-0") is cache.MISSING


def test_cached_enzyme_summary_equals_a_fresh_computation(cache_dir, monkeypatch):
    kb = load_kb()
    potency.enzyme_summary.cache_clear()
    potency.enzyme_summary(kb)  # computes and writes
    potency.enzyme_summary.cache_clear()
    monkeypatch.setattr(potency, "build_enzyme_summary", lambda _kb: pytest.fail("recomputed"))
    cached = potency.enzyme_summary(kb)
    monkeypatch.undo()
    potency.enzyme_summary.cache_clear()
    pd.testing.assert_frame_equal(cached, potency.build_enzyme_summary(kb))

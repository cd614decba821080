import pytest

import jakpath
from jakpath.export.kgx import write_kgx


@pytest.fixture(scope="session")
def kb():
    return jakpath.load_kb()


@pytest.fixture(scope="session")
def kgx_dir(kb, tmp_path_factory):
    out = tmp_path_factory.mktemp("kgx")
    write_kgx(out, kb)
    return out

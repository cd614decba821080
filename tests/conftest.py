"""Session-wide isolation: the evidence store and other user data live in a temporary
directory, never in the tester's home."""

import os
import tempfile

if "JAKPATH_DATA_DIR" not in os.environ:
    os.environ["JAKPATH_DATA_DIR"] = tempfile.mkdtemp(prefix="jakpath-test-data-")
os.environ.pop("JAKPATH_DATABASE_URL", None)
if "JAKPATH_CACHE_DIR" not in os.environ:  # derived-table cache: shared by the session's runs
    os.environ["JAKPATH_CACHE_DIR"] = tempfile.mkdtemp(prefix="jakpath-test-cache-")

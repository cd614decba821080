"""Run the ``kgx`` validator (KGX 2.6, Biolink 4.4) on a ``jakpath export kgx`` directory.

Not collected by pytest. ``kgx`` pins ``pyarrow<16`` (hence ``numpy<2``), which clashes with
jax in the test environment, and its Biolink toolkit downloads the schema at import time. So
run it in its own virtual environment, offline, pointing the toolkit at the schema shipped in
the ``biolink-model`` package::

    python -m venv /tmp/kgxenv && /tmp/kgxenv/bin/pip install kgx
    jakpath export kgx /tmp/jk   # or python -c "from jakpath.export import write_kgx; ..."
    /tmp/kgxenv/bin/python tests/export/run_kgx_validator.py /tmp/jk tsv    # or jsonl

The prefixes the export adds (``manifest.json`` ``parameters.extra_prefixes``: ``jakpath``,
``HGNC.SYMBOL``) are registered with the validator's JSON-LD context. Exit status 1 if the
validator reports any error.
"""

import json
import sys
from pathlib import Path

import biolink_model
import bmt.toolkit as bt

BIOLINK = Path(next(iter(biolink_model.__path__)))


def main(directory: str, fmt: str) -> int:
    defaults = list(bt.Toolkit.__init__.__defaults__)
    defaults[0] = str(BIOLINK / "schema" / "biolink_model.yaml")
    defaults[1] = {"predicate mappings": []}
    bt.Toolkit.__init__.__defaults__ = tuple(defaults)

    import kgx.config

    prefixes = json.loads((BIOLINK / "prefixmaps" / "biolink_model_prefix_map.json").read_text())
    prefixes.setdefault("biolink", "https://w3id.org/biolink/vocab/")
    manifest = json.loads((Path(directory) / "manifest.json").read_text())
    prefixes.update(manifest["parameters"]["extra_prefixes"])
    for name in ("biolink", "monarch_context", "obo_context"):
        kgx.config.jsonld_context_map[name] = dict(prefixes)

    from kgx.transformer import Transformer
    from kgx.validator import Validator

    files = [f"{directory}/nodes.{fmt}", f"{directory}/edges.{fmt}"]
    validator = Validator(verbose=False)
    Transformer(stream=True).transform(
        input_args={"filename": files, "format": fmt},
        output_args={"format": "null"},
        inspector=validator,
    )
    print("biolink model", bt.Toolkit().get_model_version())
    n_errors = 0
    for level, by_type in validator.get_errors().items():
        for error_type, messages in by_type.items():
            for message, ids in messages.items():
                print(level, error_type, message, sorted(ids)[:3])
                n_errors += level == "ERROR"
    print(f"{n_errors} error message(s)")
    return 1 if n_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "tsv"))

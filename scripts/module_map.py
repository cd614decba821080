"""Package-level import map of src/jakpath: which package imports which.

Usage: python3 scripts/module_map.py [SRC_DIR]   (default: src/jakpath)

Walks every module's AST (top-level and function-level imports alike), maps each
module and each imported jakpath module to its package (the first name under
jakpath; top-level modules such as formats.py count as their own package) and
prints one line per package: "pkg -> dep1, dep2 ...". Relative imports are resolved.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path


def package_of(parts: list[str]) -> str:
    """The package a dotted module path (without the leading 'jakpath') belongs to."""
    return parts[0] if parts else "jakpath"


def edges(src: Path) -> dict[str, set[str]]:
    """Map each package to the set of other jakpath packages it imports."""
    out: dict[str, set[str]] = defaultdict(set)
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).with_suffix("").parts
        mod = [p for p in rel if p != "__init__"]
        if "migrations" in mod:
            continue
        me = package_of(mod)
        out.setdefault(me, set())
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[list[str]] = []
            if isinstance(node, ast.Import):
                targets = [a.name.split(".") for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod if is_pkg else mod[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    full = ["jakpath", *base, *(node.module.split(".") if node.module else [])]
                else:
                    full = (node.module or "").split(".")
                if full[1:] or node.module is None:
                    targets = [full]
                else:  # from jakpath import x -> x may be a package
                    targets = [[*full, a.name] for a in node.names]
            for t in targets:
                if t and t[0] == "jakpath" and len(t) > 1:
                    dep = package_of(t[1:])
                    if not ((src / dep).is_dir() or (src / f"{dep}.py").is_file()):
                        continue  # a name defined in jakpath/__init__.py, e.g. __version__
                    if dep != me:
                        out[me].add(dep)
    return out


def main() -> None:
    """Print the map."""
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("src/jakpath")
    for pkg, deps in sorted(edges(src).items()):
        print(f"{pkg:12s} -> {', '.join(sorted(deps)) or '(none)'}")


if __name__ == "__main__":
    main()

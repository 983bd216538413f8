"""Run every benchmark in this folder (``make bench``): each module's main(), in name order, with its defaults."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    failures = 0
    for found in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if found.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{found.name}")
        if not hasattr(module, "main"):
            continue
        print(f"== bench.{found.name}", flush=True)
        # main() returns a true value when a figure misses its target
        failures += 1 if module.main() else 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark in this folder (``make bench``): each module's main(), in name order.

Options given here go to every benchmark, each taking the ones it knows: ``python -m bench --people 100000 --rows
60000``. Each benchmark generates its own data in a scratch schema of DATABASE_URL (a PostgreSQL database) and prints
its figures beside the limits they are compared with; the exit status is 1 when any target is missed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

OUTCOMES = {0: "met", 1: "MISSED", 2: "skipped"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    outcomes: dict[str, int] = {}
    for found in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if found.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{found.name}")
        if not hasattr(module, "main"):
            continue
        print(f"== bench.{found.name}", flush=True)
        # main() returns 0 when every target is met, 1 when one is missed, 2 when it could not run
        outcomes[found.name] = module.main(argv)
        print(flush=True)
    print("== summary: " + ", ".join(f"{name} {OUTCOMES.get(code, code)}" for name, code in outcomes.items()))
    return 1 if any(code == 1 for code in outcomes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark under bench/ (files named *_bench.py), one after the other.

Each benchmark prints ratios measured within one run, so the numbers mean something on any
machine (absolute times on a shared 2-core box do not). `make bench` calls this script."""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    sys.path.insert(0, str(HERE.parent))
    scripts = sorted(HERE.glob("*_bench.py"))
    for script in scripts:
        print(f"== {script.name}")
        runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())

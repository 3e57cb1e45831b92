"""Run every benchmark under bench/ (files named *_bench.py), one after the other."""

import os
import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
env = {**os.environ, "PYTHONPATH": str(here.parent)}  # the project, without installing it
failed = 0
for script in sorted(here.glob("*_bench.py")):
    print(f"== {script.name}", flush=True)
    failed |= subprocess.run([sys.executable, str(script), *sys.argv[1:]], env=env, cwd=here.parent).returncode
sys.exit(failed)

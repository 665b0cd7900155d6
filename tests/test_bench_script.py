"""The benchmark script starts (a lint autofix once broke its import of the loopback mocks unnoticed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_script_starts_and_lists_its_benchmarks() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "--only" in proc.stdout and "--quick" in proc.stdout

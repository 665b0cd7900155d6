#!/usr/bin/env python3
"""Regenerate sessions.lock.json by replaying the recorded API responses (tests/fixtures) through bibexport.

No internet: a local server (tests/replay.py) plays arXiv, OpenReview, GitHub, DOI and the web pages, and
`bibexport build --refresh` resolves every reading against it, exactly as it would against the real services.
Usage: python3 scripts/regen_lock.py [-c sessions.toml]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.replay import ReplayServer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", default=str(ROOT / "sessions.toml"))
    args = parser.parse_args()
    with ReplayServer() as server, tempfile.TemporaryDirectory() as out:
        env = {**os.environ, **server.env()}
        cmd = [sys.executable, "-m", "bibexport", "build", "-c", args.config, "-o", out, "--refresh", "--no-cache"]
        code = subprocess.call(cmd, env=env)
        print(f"replayed {len(server.requests)} requests: {dict(server.counts())}", file=sys.stderr)
        return code


if __name__ == "__main__":
    raise SystemExit(main())

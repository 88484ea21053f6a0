"""`make bench`: the foundation HTTP benchmark on SQLite and PostgreSQL (see bench/README.md for the
module benchmarks, whose data generation is too long for one command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for db in ("sqlite", "postgres"):
        subprocess.run(
            [sys.executable, str(HERE / "foundation" / "run.py"), "--db", db, *sys.argv[1:]], check=True
        )

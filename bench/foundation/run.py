"""Foundation benchmark: throughput and latency of the login page and of an authenticated JSON
endpoint (GET /api/v1/me with a bearer token), beside a bare Django hello-world, all under gunicorn
with 2 workers, load from wrk on loopback. Rounds alternate between the targets so that machine
noise hits all of them alike; medians over the rounds are reported.

The same code is also served through Django's stock WSGI handler (``stock_wsgi.py``: every request
through the full middleware chain) so that the lean chains of ``core/handlers.py`` are measured against
the stock path in the same run; with ``--before COMMIT`` a third server runs that commit's code (a
``git archive`` of its ``src/``) against the same database, for before/after figures.

    .venv/bin/python bench/foundation/run.py [--rounds 5] [--seconds 10] [--connections 16] \
        [--db sqlite|postgres] [--before COMMIT]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not come up")


def parse_wrk(out: str) -> dict[str, float]:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": float(non2xx.group(1)) if non2xx else 0.0}


def wrk(url: str, seconds: int, connections: int, header: str | None = None) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--before", help="also serve this commit's code, for before/after figures")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    data = Path(tempfile.mkdtemp(prefix="tongxin-bench-"))
    env = {**os.environ, "TONGXIN_DATA_DIR": str(data), "TONGXIN_DEMO": "1", "TONGXIN_LOG_LEVEL": "ERROR"}
    if args.db == "postgres":
        env["TONGXIN_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/tongxin_bench_foundation"
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "tongxin_bench_foundation"],
            check=True,
        )
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "tongxin_bench_foundation"], check=True
        )
    tongxin = str(VENV_BIN / "tongxin")
    subprocess.run([tongxin, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [tongxin, "token", "create", "longyuan_admin"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    board_url = subprocess.run(
        [tongxin, "shell", "-c", "from tongxin.points.models import PublishedBoard; print(PublishedBoard.objects.order_by('id').first().get_absolute_url())"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip

    gunicorn = [str(VENV_BIN / "gunicorn"), "-w", "2", "--access-logfile", "-"]
    procs = [
        subprocess.Popen(
            [tongxin, "serve", "--port", "8801", "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "--chdir",
                str(Path(__file__).parent),
                "hello:application",
                "-b",
                "127.0.0.1:8802",
                "-w",
                "2",
                # the same access log as `tongxin serve`, so both pay for it
                "--access-logfile",
                "-",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [*gunicorn, "--chdir", str(Path(__file__).parent), "stock_wsgi:application", "-b", "127.0.0.1:8803"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
    ]  # fmt: skip
    if args.before:
        old = data / "before"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        procs.append(
            subprocess.Popen(
                [*gunicorn, "tongxin.wsgi:application", "-b", "127.0.0.1:8804"],
                env={**env, "PYTHONPATH": str(old / "src"), "TONGXIN_HOME_DIR": str(ROOT)},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
    try:
        wait_up("http://127.0.0.1:8801/healthz")
        wait_up("http://127.0.0.1:8802/hello")
        wait_up("http://127.0.0.1:8803/healthz")
        if args.before:
            wait_up("http://127.0.0.1:8804/healthz")
        targets = {
            "hello-world (bare Django)": ("http://127.0.0.1:8802/hello", None),
            "login page (GET /accounts/login/)": ("http://127.0.0.1:8801/accounts/login/", None),
            "authenticated JSON (GET /api/v1/me)": (
                "http://127.0.0.1:8801/api/v1/me",
                f"Authorization: Bearer {token}",
            ),
            "GET /api/v1/me, stock handler (full chain)": (
                "http://127.0.0.1:8803/api/v1/me",
                f"Authorization: Bearer {token}",
            ),
            "public board (tongxin.wsgi)": (f"http://127.0.0.1:8801{board_url}", None),
        }
        if args.before:
            targets[f"GET /api/v1/me, before ({args.before})"] = (
                "http://127.0.0.1:8804/api/v1/me",
                f"Authorization: Bearer {token}",
            )
        for url, header in targets.values():  # warm up every worker
            wrk(url, 2, args.connections, header)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (url, header) in targets.items():
                results[name].append(wrk(url, args.seconds, args.connections, header))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)

    hello_rps = statistics.median(r["rps"] for r in results["hello-world (bare Django)"])
    summary = {}
    print(
        f"\nFoundation HTTP benchmark ({args.db}; gunicorn 2 workers; wrk -t2 -c{args.connections} -d{args.seconds}s; {args.rounds} rounds)\n"
    )
    print(
        "| target | req/s median | req/s min–max | p50 ms (median) | p99 ms (median) | ratio to hello-world | non-2xx |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        rps = [r["rps"] for r in rows]
        med = statistics.median(rps)
        summary[name] = {
            "rps_median": med,
            "rps_min": min(rps),
            "rps_max": max(rps),
            "p50_ms": statistics.median(r["p50_ms"] for r in rows),
            "p99_ms": statistics.median(r["p99_ms"] for r in rows),
            "ratio": med / hello_rps,
            "errors": sum(r["errors"] for r in rows),
        }
        s = summary[name]
        print(
            f"| {name} | {med:.0f} | {s['rps_min']:.0f}–{s['rps_max']:.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['ratio']:.2f} | {s['errors']:.0f} |"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"foundation-{args.db}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

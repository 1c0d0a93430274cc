"""Run the benchmarks: ``python -m benchmarks [NAME ...]`` (default: all).

Each benchmark module runs in its own process; results are merged into
``benchmarks/results.json`` and printed as the Markdown table kept in benchmarks/README.md.
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.common import RESULTS

BENCHMARKS = ("bench_import", "bench_report", "bench_metrics", "bench_load", "bench_planning_app")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in names:
        print(f"running {name} …", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{name}"], capture_output=True, text=True
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                results[record.pop("name")] = record
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print("| benchmark | commbook (s) | reference (s) | ratio | peak MB | notes |")
    print("|---|---:|---:|---:|---:|---|")
    for name, r in results.items():
        core = {"commbook_s", "reference_s", "ratio", "peak_mb"}
        notes = ", ".join(f"{k}={v}" for k, v in r.items() if k not in core)
        print(
            f"| {name} | {r['commbook_s']} | {r['reference_s']} | {r['ratio']} "
            f"| {r['peak_mb']} | {notes} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

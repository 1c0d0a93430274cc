"""What every benchmark shares: data sets made once, timing, peak memory, result files.

Each case runs in a fresh Python process (``python -m benchmarks.case NAME``) so its peak
memory (max RSS) is its own, and prints one JSON object; ``python -m benchmarks`` collects
them into ``benchmarks/results.json`` as ``{name: {commbook_s, reference_s, ratio, peak_mb}}``.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from commbook.samples import SampleSpec, generate_samples

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"  # git-ignored
RESULTS = HERE / "results.json"


def sample_set(members: int, events: int, *, months: int = 12, seed: int = 7) -> Path:
    """A generated sample folder with about ``events`` events, made once and cached."""
    folder = DATA / f"m{members}_e{events}_s{seed}"
    if not (folder / ".complete").exists():
        spec = SampleSpec(members=members, months=months, seed=seed, events=events)
        generate_samples(folder, spec)
        (folder / ".complete").write_text("ok")
    return folder


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed() -> Any:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def best_of(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Fastest wall time of ``repeat`` runs of ``fn`` and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def emit(name: str, *, commbook_s: float, reference_s: float, **extra: Any) -> None:
    """Print one case's result as JSON (read by ``python -m benchmarks``)."""
    record = {
        "name": name,
        "commbook_s": round(commbook_s, 3),
        "reference_s": round(reference_s, 3),
        "ratio": round(commbook_s / reference_s, 2) if reference_s else None,
        "peak_mb": round(peak_mb(), 1),
        **extra,
    }
    print(json.dumps(record), flush=True)

"""Importing the feedback package (e.g. for NPS) must not load scikit-learn or SciPy."""

from __future__ import annotations

import subprocess
import sys


def test_importing_feedback_does_not_load_sklearn() -> None:
    code = (
        "import sys, commbook.feedback\n"
        "from commbook.feedback import nps, sentiment, themes\n"
        "heavy = [m for m in ('sklearn', 'scipy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "import pandas as pd\n"
        "texts = ['slow search', 'search is slow', 'love events', 'events rock']\n"
        "model = themes(pd.Series(texts), 2)\n"
        "assert 'sklearn' in sys.modules and len(model.themes) == 2\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

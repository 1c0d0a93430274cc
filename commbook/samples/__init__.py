"""The sample community generator: a realistic, fictional maker community — the
Tinkerers Guild — written in the import formats of ``docs/data-formats.md``.

``generate_samples(out, SampleSpec(...))`` writes the files; ``load_samples(folder)``
imports a folder of them into the store. ``data/samples/`` holds the default set.
"""

from commbook.samples.generate import GenerateResult, SampleSpec, generate_samples
from commbook.samples.load import LOAD_ORDER, load_samples

__all__ = ["LOAD_ORDER", "GenerateResult", "SampleSpec", "generate_samples", "load_samples"]

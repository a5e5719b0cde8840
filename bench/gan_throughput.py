"""Throughput of the reference CycleGAN and the improved model, one table.

    python bench/gan_throughput.py [--cuda-graphs] [--json out.json]

Same as ``python -m generation.gan bench``; see generation/gan/benchmark.py.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.gan.benchmark import main

if __name__ == "__main__":
    main()

"""The four SLAB example problems: worst relative error per problem, met case and quantity over all printed
downwind distances, against the original program's listings in tests/data/slab_examples.

    .venv/bin/python benchmarks/slab_examples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.dispersion.test_slab import REFERENCE, TOLERANCE, comparison_table  # noqa: E402


def main() -> None:
    if not REFERENCE.is_dir():
        sys.exit(f"reference listings not found at {REFERENCE}")
    print("| problem | met case | quantity | worst relative error | at x [m] |")
    print("|---|---|---|---|---|")
    for problem, case, name, worst, x in comparison_table():
        flag = "" if worst <= TOLERANCE else " (outside 5 %)"
        print(f"| {problem} | {case} | {name} | {100 * worst:.2f} %{flag} | {x:.3g} |")


if __name__ == "__main__":
    main()

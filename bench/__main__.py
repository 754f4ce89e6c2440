"""`python -m bench`: the whole benchmark on the sandbox, tables printed, results as JSON.

    .venv/bin/python -m bench [--quick] [--parts floor,peer,service,...] [--databases sqlite]
                              [--out results.json]

See bench/README.md for what each part measures and how.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.options import parse
from bench.report import default_path, write_json
from bench.run import load_average, run
from bench.tables import all_tables
from bench.targets import evaluate


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    if options.report is not None:
        past = json.loads(options.report.read_text())
        past["targets"] = [v.as_dict() for v in evaluate(past)]
        for table in all_tables(past):
            print(table.render())
        return 0
    path = options.out or default_path()
    print(
        f"benchmark: {', '.join(options.parts)} on {', '.join(options.databases)}; "
        f"load average {load_average()}; results in {path}",
        flush=True,
    )

    def save(results: dict[str, Any]) -> None:
        write_json(results, path)

    results = run(options, save)
    print()
    for table in all_tables(results):
        print(table.render())
    for error in results["errors"]:
        print(f"part {error['part']} failed: {error['error']}")
    print(f"results: {path}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""Render every class N times with the service's renderer and with the cookiecutter CLI.

    .venv/bin/python bench/render_bench.py [--runs N]

Same inputs for every renderer: one RenderContext per class. Columns (median of N runs):

- service, in-process: `render_project(...)`, as the service's workflow step calls it;
- service, CLI: `python -m landingzone.rendering.cli render ...` in a new process;
- cookiecutter CLI: `.venv/bin/cookiecutter --no-input TEMPLATE` with the same values
  given as the user config's `default_context` (dict parameters cannot be passed as
  command-line `key=value`); this is the path where cookiecutter renders each value as
  a Jinja template, so it is only used with these benign inputs.

The outputs of the three are compared file by file first; the benchmark stops if they
differ. Ratio = cookiecutter CLI / service (in-process and process-to-process).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.rendering.conftest import make_context

from landingzone.rendering import (
    DEFAULT_TEMPLATES_ROOT,
    ProjectClass,
    RenderContext,
    load_classes,
    render_project,
)
from landingzone.rendering.classes import validate_parameters

VENV_BIN = Path(sys.executable).parent


def context_for(class_id: str) -> RenderContext:
    name = "payments-api"
    env_clone = f"https://bitbucket.example.com/scm/acme/{name}-env.git"
    return make_context(class_id, component_name=name, environment_clone_url=env_clone)


def timed(action: Callable[[Path], None], work: Path, runs: int) -> float:
    samples = []
    for run in range(runs):
        out = work / f"run-{run}"
        start = time.perf_counter()
        action(out)
        samples.append((time.perf_counter() - start) * 1000)
        shutil.rmtree(out)
    return statistics.median(samples)


def service_in_process(
    project_class: ProjectClass, context: RenderContext
) -> Callable[[Path], None]:
    def run(out: Path) -> None:
        render_project(project_class, context, out)

    return run


def service_cli(class_id: str, context: RenderContext) -> Callable[[Path], None]:
    sets = [f"{k}={v}" for k, v in dataclasses.asdict(context).items()
            if k not in ("parameters", "class_id")]  # fmt: skip

    def run(out: Path) -> None:
        argv = [sys.executable, "-m", "landingzone.rendering.cli", "--class", class_id,
                "--out", str(out)]  # fmt: skip
        for assignment in sets:
            argv += ["--set", assignment]
        subprocess.run(argv, check=True, capture_output=True)

    return run


def cookiecutter_cli(
    template: Path, values: dict[str, object], work: Path
) -> Callable[[Path], None]:
    config = work / "cookiecutter-config.yaml"
    config.write_text(yaml.safe_dump({
        "default_context": values,
        "cookiecutters_dir": str(work / "cookiecutters"),
        "replay_dir": str(work / "replay"),
    }))  # fmt: skip

    def run(out: Path) -> None:
        argv = [str(VENV_BIN / "cookiecutter"), "--no-input", "--config-file", str(config),
                "--output-dir", str(out), str(template)]  # fmt: skip
        subprocess.run(argv, check=True, capture_output=True)

    return run


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    classes = load_classes(DEFAULT_TEMPLATES_ROOT)
    rows = []
    with tempfile.TemporaryDirectory(prefix="render-bench-") as scratch:
        for class_id, project_class in sorted(classes.items()):
            work = Path(scratch) / class_id
            work.mkdir()
            context = context_for(class_id)
            values = {k: v for k, v in dataclasses.asdict(context).items() if k != "parameters"}
            values["parameters"] = validate_parameters(project_class, {})
            renderers = {
                "service": service_in_process(project_class, context),
                "service-cli": service_cli(class_id, context),
                "cookiecutter-cli": cookiecutter_cli(project_class.template_dir, values, work),
            }
            outputs = {}
            for label, action in renderers.items():
                action(work / f"check-{label}")
                outputs[label] = tree(work / f"check-{label}" / context.component_name)
            if len({json.dumps({k: v.hex() for k, v in o.items()}) for o in outputs.values()}) != 1:
                print(f"{class_id}: outputs differ between renderers", file=sys.stderr)
                return 1
            medians = {label: timed(action, work, args.runs) for label, action in renderers.items()}
            rows.append((class_id, len(outputs["service"]), medians))
    print(f"median of {args.runs} renders per class, milliseconds")
    header = ("class", "files", "service", "service CLI", "cookiecutter CLI",
              "ratio cc/service", "ratio cc/service CLI")  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for class_id, files, m in rows:
        print(f"| {class_id} | {files} | {m['service']:.1f} | {m['service-cli']:.0f} | "
              f"{m['cookiecutter-cli']:.0f} | {m['cookiecutter-cli'] / m['service']:.1f}x | "
              f"{m['cookiecutter-cli'] / m['service-cli']:.2f}x |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

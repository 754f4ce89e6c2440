"""The targets judged from a run's results, the tables and the JSON file, the command's options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bench.options import QUICK, parse
from bench.report import RESULTS_DIR, Table, default_path, write_json
from bench.tables import all_tables
from bench.targets import MET, NOT_MEASURED, NOT_MET, evaluate


def _summary(median: float, p99: float | None = None, **extra: Any) -> dict[str, Any]:
    return {"n": 5, "median": median, "p50": median, "p99": p99 or median, "max": p99 or median,
            **extra}  # fmt: skip


def _results() -> dict[str, Any]:
    return {
        "meta": {"provisioning_concurrency": 4},
        "sequential": {
            "postgres": {
                "java": {"floor": _summary(1.0), "peer": _summary(2.0), "service": _summary(1.2)},
                "web": {"floor": _summary(1.0), "peer": _summary(2.0), "service": _summary(1.3)},
            }
        },
        "concurrency": {
            "postgres": {
                "1": {"per_second": 0.9, "errors": 0, "count": 1, "completed": 1,
                      "caller_peak": {"bitbucket": 2, "jenkins": 1}},
                "32": {"per_second": 5.4, "errors": 1, "count": 96, "completed": 95,
                       "caller_peak": {"bitbucket": 9, "jenkins": 4}},
            }
        },
        "api": {"postgres": {"200": {"post": _summary(0.01, 0.04, errors=0),
                                     "get": _summary(0.01, 0.03, errors=0)}}},
        "events": {"postgres": {"delay": _summary(0.05, 0.09)}},
        "growth": {"postgres": {"sizes": {
            "100": {"get": _summary(0.010), "list": _summary(0.020),
                    "list_by_owner": _summary(0.02), "stored": 100},
            "100000": {"get": _summary(0.0105), "list": _summary(0.030),
                       "list_by_owner": _summary(0.03), "stored": 100000},
        }}},
        "memory": {"postgres": {"zones": 30, "before_mb": 150.0, "after_mb": 153.0,
                                "growth_mb": 3.0}},
    }  # fmt: skip


def _statuses(results: dict[str, Any]) -> dict[str, str]:
    return {v.target: v.status for v in evaluate(results)}


def test_each_target_is_judged_from_the_figure_it_names() -> None:
    statuses = _statuses(_results())
    assert statuses["postgres java: service <= 1.25x floor"] == MET
    assert statuses["postgres web: service <= 1.25x floor"] == NOT_MET
    assert statuses["postgres java: service <= 0.5x peer"] == NOT_MET  # 0.6x
    # 5.4 per second, but one landing zone failed.
    assert statuses["postgres concurrency 32: >= 5 landing zones/s, 0 errors"] == NOT_MET
    assert statuses["postgres concurrency 32: bitbucket calls at once <= 8"] == NOT_MET
    assert statuses["postgres concurrency 32: jenkins calls at once <= 4"] == MET
    assert statuses["postgres 200 clients: POST p99 < 50.0 ms, 0 errors"] == MET
    assert statuses["postgres 200 clients: GET p99 < 20.0 ms, 0 errors"] == NOT_MET
    assert statuses["postgres: event delay p99 < 100.0 ms"] == MET
    assert statuses["postgres: get flat within 10% over 100 to 100,000"] == MET
    assert statuses["postgres: list flat within 10% over 100 to 100,000"] == NOT_MET
    memory = "postgres: memory growth < 50 MB over 1,000 landing zones"
    assert statuses[memory] == NOT_MEASURED  # 30 landing zones say nothing about 1,000


def test_each_replica_bounds_its_own_calls() -> None:
    results = _results()
    results["concurrency"]["postgres"]["32"]["replicas"] = 2
    verdicts = {v.target: v for v in evaluate(results)}
    bitbucket = verdicts["postgres concurrency 32: bitbucket calls at once <= 16"]
    assert (
        bitbucket.status == MET
        and bitbucket.note == "4 landing zones on each of 2 replicas x 2 (one alone)"
    )


def test_growth_is_the_largest_size_against_the_smallest_not_noise_between() -> None:
    results = _results()
    sizes = results["growth"]["postgres"]["sizes"]
    sizes["10000"] = {"get": _summary(0.009), "list": _summary(0.021), "stored": 10000}
    sizes["100"]["get"] = _summary(0.0125)  # the first size read slower than the rest
    verdicts = {v.target: v for v in evaluate(results)}
    get = verdicts["postgres: get flat within 10% over 100 to 100,000"]
    assert get.status == MET and get.measured.startswith("-16% (largest over smallest")
    assert verdicts["postgres: list flat within 10% over 100 to 100,000"].status == NOT_MET


def test_a_part_not_run_is_not_measured_rather_than_met() -> None:
    statuses = _statuses({"meta": {}})
    assert statuses and set(statuses.values()) == {NOT_MEASURED}
    thousand = _results()
    thousand["memory"]["postgres"].update(zones=1000, growth_mb=60.0)
    assert (
        _statuses(thousand)["postgres: memory growth < 50 MB over 1,000 landing zones"] == NOT_MET
    )


def test_tables_render_as_markdown_and_refuse_a_row_of_the_wrong_width() -> None:
    table = Table("Figures", ["name", "seconds"])
    table.add("floor", 0.5)
    table.add("peer", None)
    lines = table.render().splitlines()
    assert lines[0] == "### Figures"
    assert lines[2] == "| name  | seconds |" and lines[3] == "|-------|---------|"
    assert lines[5] == "| peer  | -       |"
    with pytest.raises(ValueError, match="3 cells for 2 columns"):
        table.add("a", 1, 2)
    results = _results()
    results["targets"] = [v.as_dict() for v in evaluate(results)]
    titles = [t.title for t in all_tables(results)]
    assert titles[0].startswith("POST -> completed") and titles[-1] == "Targets"


def test_results_are_written_as_json_under_bench_results_by_default(tmp_path: Path) -> None:
    assert default_path().parent == RESULTS_DIR and default_path().suffix == ".json"
    path = write_json({"meta": {"quick": True}}, tmp_path / "deep" / "run.json")
    assert json.loads(path.read_text()) == {"meta": {"quick": True}}


def test_quick_scales_the_counts_down_and_options_refuse_unknown_parts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    quick = parse(["--quick", "--parts", "floor,service", "--setting", "LZ_X=1"])
    assert quick.rounds == QUICK["rounds"] and quick.memory_zones == QUICK["memory_zones"]
    assert quick.parts == ("floor", "service") and quick.settings == {"LZ_X": "1"}
    assert parse([]).growth_sizes == (100, 10_000, 100_000)
    with pytest.raises(SystemExit):
        parse(["--parts", "floor,nonsense"])
    assert "pick from" in capsys.readouterr().err


def test_a_failed_service_run_fails_its_class_even_when_the_others_were_quick() -> None:
    results = _results()
    results["sequential_failures"] = {
        "postgres": [{"kind": "service", "class": "java", "name": "se-po-java-3", "error": "x"}]
    }
    verdict = next(
        v for v in evaluate(results) if v.target.startswith("postgres java: service <= 1.25x")
    )
    assert verdict.status == NOT_MET and verdict.note == "1 runs failed, left out"

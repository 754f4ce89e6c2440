"""The benchmark's arithmetic and its reading of the simulators' logs and the steps' times."""

from __future__ import annotations

from collections import Counter

import pytest
from bench.dag import Graph, critical_path
from bench.service import requests_by_stage, segments
from bench.stats import Summary, percentile, ratio
from bench.traffic import Entry, call_name, from_caller, peak_overlap, slowest

T0 = 1_700_000_000.0


def _iso(offset: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(T0 + offset, UTC).isoformat()


def test_percentiles_interpolate_between_ranks_and_the_summary_carries_the_floor_ratio() -> None:
    values = [0.4, 0.1, 0.3, 0.2]
    assert percentile(values, 0) == 0.1 and percentile(values, 100) == 0.4
    assert percentile(values, 50) == pytest.approx(0.25)
    summary = Summary.of(values, floor=0.1)
    assert (summary.n, summary.median, summary.min, summary.max) == (4, 0.25, 0.1, 0.4)
    assert summary.x_floor == pytest.approx(2.5)
    assert summary.against(None).x_floor is None
    assert ratio(1.0, 0.0) is None
    with pytest.raises(ValueError, match="no samples"):
        Summary.of([])


def test_a_call_reads_the_same_for_every_landing_zone() -> None:
    entry = {
        "method": "GET",
        "target": "/api/now/table/sc_req_item?sysparm_query=request%3D"
        + "0123456789abcdef0123456789abcdef&sysparm_limit=10000&sysparm_fields=sys_id",
    }
    assert call_name(entry) == "GET /api/now/table/sc_req_item?sysparm_query=request={sys_id}"
    job = {"method": "GET", "target": "/job/labs/job/pay-api/job/build/7/api/json?tree=name"}
    assert (
        call_name(job, ["pay-api"]) == "GET /job/labs/job/{name}/job/build/{n}/api/json?tree=name"
    )
    env = {
        "method": "PUT",
        "target": "/rest/api/1.0/projects/LABS/repos/pay-api-env/branches/default",
    }
    assert call_name(env, ["pay-api", "pay-api-env"]).endswith("/repos/{name}/branches/default")
    assert not from_caller({"agent": "git/sandbox-jenkins"})
    assert from_caller({"agent": "git/2.39.5"}) and from_caller({})


def _view() -> dict[str, object]:
    def step(name: str, start: float, end: float) -> dict[str, object]:
        return {"name": name, "started_at": _iso(start), "finished_at": _iso(end)}

    return {
        "updated_at": _iso(3.0),
        "steps": [
            step("plan", 0.2, 0.3), step("approve", 0.3, 0.4), step("render", 0.6, 0.8),
            step("repository", 0.8, 1.8), step("environment", 0.8, 1.2),
            step("pipelines", 1.9, 2.5), step("record", 2.5, 2.7), step("notify", 2.7, 2.9),
        ],
    }  # fmt: skip


def test_the_critical_path_cuts_the_whole_time_into_stages_and_the_waits_between() -> None:
    cut = dict(segments(_view(), T0))
    assert cut["accepted -> plan"] == pytest.approx(0.2)
    assert cut["approve -> render"] == pytest.approx(0.2)  # the hand-off to provisioning
    assert cut["repository | environment"] == pytest.approx(1.0)  # the longer of the two
    assert cut["notify -> completed"] == pytest.approx(0.1)
    assert sum(cut.values()) == pytest.approx(3.0)


def test_requests_count_against_the_stage_they_were_made_in() -> None:
    entries: dict[str, list[Entry]] = {
        "bitbucket": [
            {"started": T0 + 0.9, "target": "/rest/api/1.0/projects/LABS/repos/pay-api-env"},
            {"started": T0 + 0.9, "target": "/rest/api/1.0/projects/LABS/repos/pay-api"},
            {"started": T0 + 0.5, "target": "/rest/api/1.0/projects/LABS"},
        ],
        "jenkins": [{"started": T0 + 2.0, "target": "/job/labs/createItem"}],
    }
    found = requests_by_stage(_view(), entries, "pay-api-env")
    assert found == {
        "environment": Counter(bitbucket=1),
        "repository": Counter(bitbucket=1),
        "between stages": Counter(bitbucket=1),
        "pipelines": Counter(jenkins=1),
    }


def test_a_graph_hands_each_call_what_it_waits_for_and_names_its_critical_path() -> None:
    graph = Graph()
    graph.add("a", lambda: 1)
    graph.add("b", lambda: 2)
    graph.add("c", lambda a, b: a + b, "a", "b")
    graph.add("d", lambda c: c * 10, "c")
    results, timings = graph.run()
    assert results == {"a": 1, "b": 2, "c": 3, "d": 30}
    by_name = {t.name: t for t in timings}
    assert by_name["c"].started >= max(by_name["a"].ended, by_name["b"].ended)
    assert critical_path(timings, graph.edges)[-2:] == ["c", "d"]
    with pytest.raises(ValueError, match="not in the graph"):
        graph.add("e", lambda x: x, "missing")


def test_calls_at_once_are_those_whose_times_overlap() -> None:
    entries: dict[str, list[Entry]] = {
        "jenkins": [
            {"started": 0.0, "ended": 1.0},
            {"started": 0.5, "ended": 2.0},
            {"started": 0.7, "ended": 0.9},
            {"started": 2.0, "ended": 3.0},  # starts as the second ends: not together
        ],
        "mailbox": [],
    }
    assert peak_overlap(entries) == {"jenkins": 3, "mailbox": 0}


def test_the_slowest_calls_are_ranked_by_their_median_over_every_landing_zone() -> None:
    def call(target: str, seconds: float) -> Entry:
        return {"method": "GET", "target": target, "started": 0.0, "ended": seconds}

    entries: dict[str, list[Entry]] = {
        "jenkins": [
            call("/job/labs/api/json?tree=name", 40.0),
            call("/job/labs/api/json?tree=name", 44.0),
            call("/job/labs/job/c32-po-1/api/json", 0.1),
            call("/job/labs/job/c32-po-2/api/json", 0.3),
        ]
    }
    found = slowest(entries, top=2)
    assert [(f["call"], f["n"]) for f in found] == [
        ("GET /job/labs/api/json?tree=name", 2),
        ("GET /job/labs/job/{name}/api/json", 2),
    ]
    assert found[0]["median"] == 42.0 and found[0]["max"] == 44.0

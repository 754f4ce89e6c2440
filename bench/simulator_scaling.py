"""What one request costs each sandbox simulator while it holds few or many things.

Starts the simulators process (as `landingzone sandbox` does, without the service), fills
Jenkins with landing-zone folders of two jobs each, Bitbucket with repositories (each with a
branch restriction and a webhook) and ServiceNow with ordered catalog items, then times the
requests a landing zone makes, at each size. Figures are medians over `--repeat` requests.

    PYTHONPATH=$PWD:$PWD/service .venv/bin/python -m bench.simulator_scaling \
        [--sizes 10,2000] [--repeat 15] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.sandbox import _free_port_block, wait_for
from tests.support.simulators import SandboxLayout, write_description

FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
JOB_XML = (
    "<?xml version='1.1' encoding='UTF-8'?><flow-definition plugin='workflow-job'>"
    "<description>bench [landing-zone lz_bench]</description><keepDependencies>false"
    "</keepDependencies><properties/><definition class='org.jenkinsci.plugins.workflow.cps."
    "CpsScmFlowDefinition'><scm class='hudson.plugins.git.GitSCM'><userRemoteConfigs>"
    "<hudson.plugins.git.UserRemoteConfig><url>http://127.0.0.1:9/scm/labs/{name}.git</url>"
    "</hudson.plugins.git.UserRemoteConfig></userRemoteConfigs><branches>"
    "<hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec>"
    "</branches></scm><scriptPath>Jenkinsfile</scriptPath><lightweight>true</lightweight>"
    "</definition><triggers/><disabled>false</disabled></flow-definition>"
)


@contextmanager
def simulators() -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        layout = SandboxLayout.load_or_create(data_dir, "127.0.0.1", _free_port_block(6))
        write_description(layout, {})
        process = subprocess.Popen(
            [sys.executable, "-m", "landingzone_sandbox", "sandbox-simulators", "--data",
             str(data_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            ready = data_dir / "simulators.ready"
            wait_for(lambda: ready.exists() or process.poll() is not None, "the simulators", 60)
            yield json.loads((data_dir / "sandbox.json").read_text())
        finally:
            process.terminate()
            process.wait(timeout=30)


class Jenkins:
    def __init__(self, described: dict[str, Any]) -> None:
        jenkins = described["jenkins"]
        self.client = httpx.Client(
            base_url=jenkins["url"], auth=(jenkins["username"], jenkins["token"]), timeout=120
        )
        crumb = self.client.get("/crumbIssuer/api/json").json()
        self.client.headers[crumb["crumbRequestField"]] = crumb["crumb"]
        self.client.post("/createItem", params={"name": "labs", "mode": FOLDER})
        self.notify_token = jenkins["notify_commit_token"]
        self.folders = 0
        self.made = 0

    def fill(self, jobs: int) -> None:
        while self.folders * 2 < jobs:
            name = f"lz-{self.folders:05d}"
            params = {"name": name, "mode": FOLDER}
            self._ok(self.client.post("/job/labs/createItem", params=params))
            for job in ("build", "promote"):
                self._ok(
                    self.client.post(
                        f"/job/labs/job/{name}/createItem",
                        params={"name": job},
                        content=JOB_XML.format(name=name).encode(),
                        headers={"Content-Type": "text/xml"},
                    )
                )
            self.folders += 1

    @staticmethod
    def _ok(response: httpx.Response) -> None:
        assert response.status_code == 200, response.text

    def requests(self) -> dict[str, Callable[[int], httpx.Response]]:
        c = self.client

        def create(_: int) -> httpx.Response:
            self.made += 1
            params = {"name": f"new-{self.made}", "mode": FOLDER}
            return c.post("/job/labs/createItem", params=params)

        return {
            "GET tenant folder ?tree=name,description": lambda i: c.get(
                "/job/labs/api/json", params={"tree": "name,description"}
            ),
            "GET tenant folder ?tree=jobs[name]": lambda i: c.get(
                "/job/labs/api/json", params={"tree": "jobs[name]"}
            ),
            "GET tenant folder (no tree)": lambda i: c.get("/job/labs/api/json"),
            "GET item ?tree=name,description": lambda i: c.get(
                f"/job/labs/job/lz-{i % self.folders:05d}/job/build/api/json",
                params={"tree": "name,description"},
            ),
            "GET missing item (404)": lambda i: c.get(
                f"/job/labs/job/absent-{i}/api/json", params={"tree": "name,description"}
            ),
            "POST createItem": create,
            "GET /git/notifyCommit (no match)": lambda i: c.get(
                "/git/notifyCommit",
                params={
                    "url": f"http://127.0.0.1:9/scm/labs/none-{i}.git",
                    "token": self.notify_token,
                },
            ),
        }


class Bitbucket:
    def __init__(self, described: dict[str, Any]) -> None:
        bitbucket = described["bitbucket"]
        self.client = httpx.Client(
            base_url=bitbucket["url"],
            auth=(bitbucket["username"], bitbucket["password"]),
            timeout=120,
        )
        self.repositories = 0
        self.made = 0

    def fill(self, repositories: int) -> None:
        def one(index: int) -> None:
            slug = f"repo-{index:05d}"
            base = f"/rest/api/1.0/projects/LABS/repos/{slug}"
            created = self.client.post(
                "/rest/api/1.0/projects/LABS/repos",
                json={"name": slug, "scmId": "git", "description": "bench"},
            )
            assert created.status_code == 201, created.text
            restrictions = self.client.post(
                f"/rest/branch-permissions/2.0/projects/LABS/repos/{slug}/restrictions",
                json={"type": "no-deletes", "matcher": {"id": "refs/heads/main",
                      "type": {"id": "BRANCH"}}, "users": [], "groups": []},
            )  # fmt: skip
            assert restrictions.status_code == 200, restrictions.text
            hook = self.client.post(
                f"{base}/webhooks",
                json={"name": "jenkins", "url": "http://127.0.0.1:9/hook",
                      "events": ["repo:refs_changed"], "active": True},
            )  # fmt: skip
            assert hook.status_code == 201, hook.text

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(one, range(self.repositories, repositories)))
        self.repositories = max(self.repositories, repositories)

    def requests(self) -> dict[str, Callable[[int], httpx.Response]]:
        c = self.client

        def repo(i: int) -> str:
            return f"/rest/api/1.0/projects/LABS/repos/repo-{i % self.repositories:05d}"

        def create(_: int) -> httpx.Response:
            self.made += 1
            return c.post(
                "/rest/api/1.0/projects/LABS/repos",
                json={"name": f"new-{self.made}", "scmId": "git", "description": "bench"},
            )

        return {
            "GET repository": lambda i: c.get(repo(i)),
            "GET missing repository (404)": lambda i: c.get(
                f"/rest/api/1.0/projects/LABS/repos/absent-{i}"
            ),
            "GET project": lambda i: c.get("/rest/api/1.0/projects/LABS"),
            "POST create repository": create,
            "GET restrictions": lambda i: c.get(
                repo(i).replace("/rest/api/1.0/", "/rest/branch-permissions/2.0/") + "/restrictions"
            ),
            "GET webhooks": lambda i: c.get(repo(i) + "/webhooks"),
            "PUT group permission": lambda i: c.put(
                repo(i) + "/permissions/groups",
                params={"permission": "REPO_WRITE", "name": "payments"},
            ),
            "GET repositories (first page)": lambda i: c.get(
                "/rest/api/1.0/projects/LABS/repos", params={"limit": 25}
            ),
        }


class ServiceNow:
    def __init__(self, described: dict[str, Any]) -> None:
        servicenow = described["servicenow"]
        self.client = httpx.Client(
            base_url=servicenow["url"],
            auth=(servicenow["username"], servicenow["password"]),
            timeout=120,
        )
        found = self.client.get(
            "/api/sn_sc/servicecatalog/items", params={"sysparm_text": "Landing zone"}
        ).json()["result"]
        self.item = next(r["sys_id"] for r in found if r["name"] == "Landing zone")
        self.orders = 0
        self.made = 0
        self.last_item = ""

    def order_body(self, index: int) -> dict[str, Any]:
        return {"sysparm_quantity": "1", "variables": {
            "landing_zone_id": f"lz_bench{index:06d}", "landing_zone_name": f"repo-{index}",
            "component_class": "java", "tenant": "labs", "owner": "group:default/payments",
            "description": "bench", "system": "payments", "requester": "Jane Doe",
            "repository": f"LABS/repo-{index}", "environment_repository": "LABS/x-env",
            "build_pipeline": "labs/x/build", "promote_pipeline": "labs/x/promote",
            "landing_zone_url": "http://127.0.0.1:9/"}}  # fmt: skip

    def order(self, index: int) -> str:
        placed = self.client.post(
            f"/api/sn_sc/servicecatalog/items/{self.item}/order_now", json=self.order_body(index)
        )
        assert placed.status_code == 200, placed.text
        request_id = placed.json()["result"]["request_id"]
        items = self.client.get(
            "/api/now/table/sc_req_item", params={"sysparm_query": f"request={request_id}"}
        ).json()["result"]
        return str(items[0]["sys_id"])

    def fill(self, records: int) -> None:
        with ThreadPoolExecutor(4) as pool:
            made = list(pool.map(self.order, range(self.orders, records)))
        if made:
            self.last_item = made[-1]
        self.orders = max(self.orders, records)

    def requests(self) -> dict[str, Callable[[int], httpx.Response]]:
        c = self.client

        def order(_: int) -> httpx.Response:
            self.made += 1
            return c.post(
                f"/api/sn_sc/servicecatalog/items/{self.item}/order_now",
                json=self.order_body(10**6 + self.made),
            )

        by_variable = (
            "sc_item_option.item_option_new.name=landing_zone_id^sc_item_option.value="
            "lz_bench{:06d}^ORDERBYsys_created_on"
        )
        return {
            "GET item by landing zone variable": lambda i: c.get(
                "/api/now/table/sc_item_option_mtom",
                params={
                    "sysparm_query": by_variable.format(i % self.orders),
                    "sysparm_fields": "request_item",
                },
            ),
            "GET item by sys_id query": lambda i: c.get(
                "/api/now/table/sc_req_item",
                params={"sysparm_query": f"sys_id={self.last_item}"},
            ),
            "GET work notes of an item": lambda i: c.get(
                "/api/now/table/sys_journal_field",
                params={"sysparm_query": f"element_id={self.last_item}^element=work_notes"},
            ),
            "GET user by email": lambda i: c.get(
                "/api/now/table/sys_user", params={"sysparm_query": "email=jane.doe@example.com"}
            ),
            "PATCH item (work note)": lambda i: c.patch(
                f"/api/now/table/sc_req_item/{self.last_item}", json={"work_notes": f"note {i}"}
            ),
            "POST order_now": order,
        }


def timed(requests: dict[str, Callable[[int], httpx.Response]], repeat: int) -> dict[str, float]:
    medians: dict[str, float] = {}
    for name, request in requests.items():
        request(0)  # warm: a first request may open the connection
        samples = []
        for index in range(1, repeat + 1):
            started = time.perf_counter()
            response = request(index)
            samples.append(time.perf_counter() - started)
            expected = 404 if "(404)" in name else 300
            ok = response.status_code == 404 if expected == 404 else response.status_code < 300
            assert ok, f"{name}: {response.status_code} {response.text[:200]}"
        medians[name] = statistics.median(samples) * 1000
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,2000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--systems", default="jenkins,bitbucket,servicenow")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    wanted = args.systems.split(",")
    figures: dict[str, dict[int, dict[str, float]]] = {}
    with simulators() as described:
        systems: dict[str, type[Jenkins | Bitbucket | ServiceNow]] = {
            "jenkins": Jenkins,
            "bitbucket": Bitbucket,
            "servicenow": ServiceNow,
        }
        for system in wanted:
            simulator = systems[system](described)
            for size in sizes:
                started = time.perf_counter()
                simulator.fill(size)
                filled = time.perf_counter() - started
                print(f"{system}: filled to {size} in {filled:.1f} s", flush=True)
                figures.setdefault(system, {})[size] = timed(simulator.requests(), args.repeat)
    for system, by_size in figures.items():
        print(f"\n{system} (median ms per request)")
        header = "".join(f"{size:>10}" for size in sizes)
        print(f"  {'request':<42}{header}")
        for name in next(iter(by_size.values())):
            row = "".join(f"{by_size[size][name]:>10.1f}" for size in sizes)
            print(f"  {name:<42}{row}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

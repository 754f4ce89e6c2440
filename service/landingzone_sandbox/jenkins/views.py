"""Remote-API JSON of items, builds and queue items, shaped like Jenkins'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from .configxml import ParameterDefinition
from .store import (
    BUILDABLE,
    CANCELLED,
    LEFT,
    Build,
    Item,
    JenkinsStore,
    Params,
    QueueItem,
    now_ms,
)
from .tree import Lazy

Json = dict[str, Any]
T = TypeVar("T")

_RUN_CLASSES = {
    "pipeline": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
    "freestyle": "hudson.model.FreeStyleBuild",
}
_COLORS = {
    "SUCCESS": "blue",
    "UNSTABLE": "yellow",
    "FAILURE": "red",
    "ABORTED": "aborted",
    "NOT_BUILT": "notbuilt",
}
_QUEUE_CLASSES = {
    "waiting": "hudson.model.Queue$WaitingItem",
    BUILDABLE: "hudson.model.Queue$BuildableItem",
    LEFT: "hudson.model.Queue$LeftItem",
    CANCELLED: "hudson.model.Queue$LeftItem",
}


def item_path(full_name: str) -> str:
    return "".join(f"job/{quote(part, safe='')}/" for part in full_name.split("/"))


class Views:
    def __init__(self, base_url: str, store: JenkinsStore) -> None:
        self.base = base_url.rstrip("/") + "/"
        self._store = store

    def item_url(self, full_name: str) -> str:
        return self.base + item_path(full_name)

    # ------------------------------------------------------------------ items

    def summary(self, item: Item, nested: bool = False) -> Json:
        """How a parent lists the item; `nested` adds folder contents, for `?tree=` queries.

        What costs a look at the store (the color, a folder's contents) is lazy: worked out
        only if the answer includes it."""
        entry: Json = {
            "_class": item.config.json_class,
            "name": item.name,
            "url": self.item_url(item.full_name),
        }
        if not item.config.is_folder:
            entry["color"] = Lazy(lambda: self._summary_color(item))
        elif nested:
            entry["jobs"] = Lazy(lambda: self._contents(item.full_name, nested))
        return entry

    def _contents(self, full_name: str, nested: bool) -> list[Json]:
        return [self.summary(child, nested) for child in self._store.children(full_name)]

    def _summary_color(self, item: Item) -> str:
        result, completed, building = self._store.build_state(item.full_name)
        return self._color(item, result if completed else None, completed, building)

    def color(self, item: Item, builds: list[Build]) -> str:
        completed = next((b for b in builds if not b.building), None)
        building = any(b.building for b in builds)
        return self._color(item, completed.result if completed else None, bool(completed), building)

    @staticmethod
    def _color(item: Item, result: str | None, completed: bool, building: bool) -> str:
        if item.config.disabled:
            return "disabled"
        color = _COLORS.get(result or "", "notbuilt") if completed else "notbuilt"
        return color + "_anime" if building else color

    def item(self, item: Item, depth: int, nested: bool = False) -> Json:
        config = item.config
        data: Json = {
            "_class": config.json_class,
            "actions": [],
            "description": config.description,
            "displayName": item.name,
            "displayNameOrNull": None,
            "fullDisplayName": " » ".join(item.full_name.split("/")),
            "fullName": item.full_name,
            "name": item.name,
            "url": self.item_url(item.full_name),
            "healthReport": [],
        }
        if config.is_folder:
            data["jobs"] = Lazy(lambda: self._contents(item.full_name, nested))
            return data
        return data | self._job(item, depth)

    def root(self, nested: bool = False) -> Json:
        return {
            "_class": "hudson.model.Hudson",
            "mode": "NORMAL",
            "nodeDescription": "the Jenkins controller",
            "numExecutors": 2,
            "description": None,
            "jobs": Lazy(lambda: self._contents("", nested)),
            "quietingDown": False,
            "url": self.base,
            "useCrumbs": True,
            "useSecurity": True,
        }

    def _job(self, item: Item, depth: int) -> Json:
        builds = _Once(lambda: self._store.builds(item.full_name, logs=False))
        queued = _Once(lambda: self._store.pending(item.full_name))
        run_class = _RUN_CLASSES.get(item.config.kind, "hudson.model.Run")

        def ref(build: Build | None) -> Json | None:
            if build is None:
                return None
            if depth > 0:
                return self.build(item, build)
            url = f"{self.item_url(item.full_name)}{build.number}/"
            return {"_class": run_class, "number": build.number, "url": url}

        def last(results: tuple[str, ...] | None) -> Lazy:
            def find() -> Json | None:
                matching = [
                    b
                    for b in builds()
                    if not b.building and (results is None or b.result in results)
                ]
                return ref(matching[0] if matching else None)

            return Lazy(find)

        def first_queued() -> Json | None:
            pending = queued()
            return self.queue_item(pending[0], item) if pending else None

        properties = []
        if item.config.parameters:
            definitions = [_definition(p) for p in item.config.parameters]
            properties.append(
                {
                    "_class": "hudson.model.ParametersDefinitionProperty",
                    "parameterDefinitions": definitions,
                }
            )
        return {
            "actions": properties[:],
            "buildable": item.config.buildable,
            "builds": Lazy(lambda: [ref(b) for b in builds()[:100]]),
            "color": Lazy(lambda: self.color(item, builds())),
            "firstBuild": Lazy(lambda: ref(builds()[-1] if builds() else None)),
            "inQueue": Lazy(lambda: bool(queued())),
            "keepDependencies": False,
            "lastBuild": Lazy(lambda: ref(builds()[0] if builds() else None)),
            "lastCompletedBuild": last(None),
            "lastFailedBuild": last(("FAILURE",)),
            "lastStableBuild": last(("SUCCESS",)),
            "lastSuccessfulBuild": last(("SUCCESS", "UNSTABLE")),
            "lastUnstableBuild": last(("UNSTABLE",)),
            "lastUnsuccessfulBuild": last(("FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT")),
            "nextBuildNumber": item.next_build,
            "property": properties,
            "queueItem": Lazy(first_queued),
            "concurrentBuild": True,
            "disabled": item.config.disabled,
            "resumeBlocked": False,
        }

    # ------------------------------------------------------------------ builds

    def build(self, item: Item, build: Build) -> Json:
        url = f"{self.item_url(item.full_name)}{build.number}/"
        previous = self._store.build(item.full_name, build.number - 1)
        following = self._store.build(item.full_name, build.number + 1)
        run_class = _RUN_CLASSES.get(item.config.kind, "hudson.model.Run")

        def neighbour(other: Build | None) -> Json | None:
            if other is None:
                return None
            return {
                "number": other.number,
                "url": f"{self.item_url(item.full_name)}{other.number}/",
            }

        return {
            "_class": run_class,
            "actions": self._actions(item, build.params, build.cause),
            "artifacts": [],
            "building": build.building,
            "description": None,
            "displayName": f"#{build.number}",
            "duration": build.duration_ms,
            "estimatedDuration": self._estimate(item),
            "fullDisplayName": f"{' » '.join(item.full_name.split('/'))} #{build.number}",
            "id": str(build.number),
            "keepLog": False,
            "number": build.number,
            "queueId": build.queue_id,
            "result": build.result,
            "timestamp": build.started_ms,
            "url": url,
            "changeSets": [],
            "culprits": [],
            "inProgress": build.building,
            "previousBuild": neighbour(previous),
            "nextBuild": neighbour(following),
        }

    def _estimate(self, item: Item) -> int:
        builds = self._store.builds(item.full_name, logs=False)
        done = [b.duration_ms for b in builds[:3] if not b.building]
        return sum(done) // len(done) if done else -1

    # ------------------------------------------------------------------ queue

    def queue_item(self, queued: QueueItem, item: Item | None) -> Json:
        task: Json = {"name": queued.job.rsplit("/", 1)[-1], "url": self.item_url(queued.job)}
        if item is not None:
            task = self.summary(item)
        data: Json = {
            "_class": _QUEUE_CLASSES[queued.state],
            "actions": self._actions(item, queued.params, queued.cause),
            "blocked": False,
            "buildable": queued.state == BUILDABLE,
            "id": queued.id,
            "inQueueSince": queued.since_ms,
            "params": "".join(f"\n{name}={value}" for name, value in queued.params),
            "stuck": False,
            "task": task,
            "url": f"queue/item/{queued.id}/",
            "why": _why(queued),
        }
        if queued.state in (LEFT, CANCELLED):
            data["cancelled"] = queued.state == CANCELLED
            data["executable"] = None
            if queued.build_number is not None and item is not None:
                data["executable"] = {
                    "_class": _RUN_CLASSES.get(item.config.kind, "hudson.model.Run"),
                    "number": queued.build_number,
                    "url": f"{self.item_url(queued.job)}{queued.build_number}/",
                }
        return data

    def _actions(self, item: Item | None, params: Params, cause: str) -> list[Json]:
        actions: list[Json] = []
        if params:
            kinds = {p.name: p.type_name for p in item.config.parameters} if item else {}
            actions.append(
                {
                    "_class": "hudson.model.ParametersAction",
                    "parameters": [
                        _value(kinds.get(name, ""), name, value) for name, value in params
                    ],
                }
            )
        if cause:
            detail: Json = {
                "_class": "hudson.model.Cause$UserIdCause",
                "shortDescription": f"Started by user {cause}",
                "userId": cause,
                "userName": cause,
            }
        else:
            detail = {
                "_class": "hudson.triggers.SCMTrigger$SCMTriggerCause",
                "shortDescription": "Started by an SCM change",
            }
        actions.append({"_class": "hudson.model.CauseAction", "causes": [detail]})
        return actions


class _Once(Generic[T]):
    """A value worked out the first time it is asked for, then kept (for one answer)."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._made: list[T] = []

    def __call__(self) -> T:
        if not self._made:
            self._made.append(self._make())
        return self._made[0]


def _why(queued: QueueItem) -> str | None:
    if queued.state == "waiting":
        seconds = max(0.0, (queued.ready_ms - now_ms()) / 1000)
        return f"In the quiet period. Expires in {seconds:.1f} sec"
    if queued.state == BUILDABLE:
        return "Waiting for next available executor"
    return None


def _value(type_name: str, name: str, value: str) -> Json:
    value_classes = {
        "BooleanParameterDefinition": "BooleanParameterValue",
        "PasswordParameterDefinition": "PasswordParameterValue",
        "TextParameterDefinition": "TextParameterValue",
    }
    data: Json = {
        "_class": f"hudson.model.{value_classes.get(type_name, 'StringParameterValue')}",
        "name": name,
    }
    if type_name == "BooleanParameterDefinition":
        data["value"] = value == "true"
    elif type_name != "PasswordParameterDefinition":
        data["value"] = value
    return data


def _definition(parameter: ParameterDefinition) -> Json:
    data: Json = {
        "_class": parameter.type_class,
        "defaultParameterValue": _value(parameter.type_name, parameter.name, parameter.default),
        "description": parameter.description,
        "name": parameter.name,
        "type": parameter.type_name,
    }
    if parameter.choices:
        data["choices"] = list(parameter.choices)
    return data

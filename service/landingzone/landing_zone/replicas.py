"""Replica leases: each replica writes a heartbeat; live ones take over the work of a dead one.

DBOS recovers a replica's pending workflows when that replica restarts under the same
executor id. A replica that never comes back (a lost node, a scaled-down deployment) would
strand them, so a live replica claims a replica whose heartbeat is older than the lease (one
claimer wins, in a transaction) and re-enqueues its pending workflows; DBOS's queue hands each
to exactly one runner.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from landingzone.landing_zone.tables import now, replicas, writing

log = logging.getLogger("landingzone.replicas")


class ReplicaLeases:
    def __init__(self, engine: Engine, executor_id: str, lease_s: float) -> None:
        self.engine = engine
        self.executor_id = executor_id
        self.lease = timedelta(seconds=lease_s)

    def beat(self) -> None:
        """Record that this replica is alive (and, if it was taken over, that it is back)."""
        values = {"heartbeat_at": now(), "taken_over_by": None}
        with writing(self.engine) as tx:
            updated = tx.execute(
                replicas.update().where(replicas.c.executor_id == self.executor_id).values(values)
            )
            if updated.rowcount == 0:
                tx.execute(replicas.insert().values(executor_id=self.executor_id, **values))

    def claim_dead(self) -> list[str]:
        """Replicas silent for longer than the lease and not yet taken over, now ours."""
        cutoff = now() - self.lease
        with writing(self.engine) as tx:
            rows = tx.execute(
                sa.select(replicas.c.executor_id)
                .where(
                    replicas.c.executor_id != self.executor_id,
                    replicas.c.heartbeat_at < cutoff,
                    replicas.c.taken_over_by.is_(None),
                )
                .with_for_update(skip_locked=True)
            ).all()
            dead = [str(row.executor_id) for row in rows]
            if dead:
                tx.execute(
                    replicas.update()
                    .where(replicas.c.executor_id.in_(dead))
                    .values(taken_over_by=self.executor_id)
                )
        return dead


class Caretaker:
    """A background thread: heartbeat, take over dead replicas, reconcile stranded work."""

    def __init__(
        self,
        leases: ReplicaLeases,
        interval_s: float,
        take_over: Callable[[list[str]], None],
        reconcile: Callable[[], None],
        reconcile_every: int = 12,
    ) -> None:
        self._leases = leases
        self._interval_s = interval_s
        self._take_over = take_over
        self._reconcile = reconcile
        self._reconcile_every = reconcile_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lz-caretaker", daemon=True)

    def start(self) -> None:
        self._leases.beat()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        beats = 0
        while not self._stop.wait(self._interval_s):
            beats += 1
            try:
                self._leases.beat()
                dead = self._leases.claim_dead()
                if dead:
                    log.warning("taking over the workflows of silent replicas %s", dead)
                    self._take_over(dead)
                if beats % self._reconcile_every == 0:
                    self._reconcile()
            except Exception:  # a database hiccup must not end the caretaker
                log.exception("caretaker round failed; trying again in %.0f s", self._interval_s)

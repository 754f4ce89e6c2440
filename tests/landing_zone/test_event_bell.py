"""A stream that follows a landing zone's events hears this replica's appends at once: a ring
from a workflow's thread wakes it, one that came while it was reading is not lost, and another
landing zone's ring leaves it waiting for its poll."""

from __future__ import annotations

import asyncio
import threading

from landingzone.landing_zone.event_bell import EventBell

# Long enough that a woken wait is never mistaken for a wait that ran out.
POLL_SECONDS = 30.0
# A wait that is meant to run out: the stream's poll, scaled down.
SHORT_POLL_SECONDS = 0.05


def test_a_ring_from_a_workflow_thread_wakes_the_stream() -> None:
    bell = EventBell()

    async def follow() -> bool:
        with bell.subscribed("lz_a") as subscription:
            subscription.clear()
            threading.Thread(target=bell.ring, args=("lz_a",)).start()
            return await subscription.wait(POLL_SECONDS)

    assert asyncio.run(follow()) is True


def test_a_ring_while_the_stream_reads_is_heard_by_the_next_wait() -> None:
    bell = EventBell()

    async def follow() -> bool:
        with bell.subscribed("lz_a") as subscription:
            subscription.clear()
            worker = threading.Thread(target=bell.ring, args=("lz_a",))
            worker.start()
            worker.join()  # the event was appended while the stream read the previous ones
            await asyncio.sleep(0)  # the loop runs the ring's callback
            return await subscription.wait(POLL_SECONDS)

    assert asyncio.run(follow()) is True


def test_another_landing_zones_ring_leaves_the_stream_to_its_poll() -> None:
    bell = EventBell()

    async def follow() -> bool:
        with bell.subscribed("lz_a") as subscription:
            subscription.clear()
            bell.ring("lz_b")
            return await subscription.wait(SHORT_POLL_SECONDS)

    assert asyncio.run(follow()) is False


def test_a_ring_for_a_stream_whose_loop_has_closed_is_dropped() -> None:
    bell = EventBell()
    left_open = bell.subscribed("lz_a")

    async def follow_then_drop_the_connection() -> None:
        left_open.__enter__()  # the loop ends before the stream's block does

    asyncio.run(follow_then_drop_the_connection())
    bell.ring("lz_a")  # the appending step goes on: a closed loop is no error of its own
    left_open.__exit__(None, None, None)

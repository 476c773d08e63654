"""Pages of a job run done a few at once, each lane a thread with its own database connection.

One connection does a page's work one statement after the other, and the database's part of it (index
entries, key checks) is most of the work: a second connection lets a second core do another page
meanwhile. The pages of a run are independent (each booking is in one page, and the unique constraints
keep a booking to one visit and one charge, whoever is first), and each page stays one transaction of
its lane, with the run's progress in it. So a crash leaves what it always left, whole pages: a lane whose
connection dies loses its page only; the other lanes finish the page they hold, take no new one, and
the run fails with the first error. The next run pages over the bookings still on the work list (a
committed page took its charged bookings off it) and does the ones that are missing, wherever they were.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections
from django.utils import timezone, translation

# How long a waiting lane or the reader sleeps before it looks whether another one failed.
_POLL_S = 0.05
_DONE = object()


def run_in_lanes(
    pages: Iterable[Any], work: Callable[[Any, Any], None], *, lanes: int, start: Callable[[], Any]
) -> list[Any]:
    """Call `work(state, page)` for every page, `lanes` pages at once; returns each lane's state.

    Each lane is a thread: `start()` makes its state there (on its own connection, in the caller's
    language and time zone), then it takes pages in the order `pages` yields them. The pages are read
    in this thread, at most `lanes` ahead of the lanes. The first error of a lane or of the reading stops the rest and is raised here, after every
    lane has finished the page it held.
    """
    # A lane works in the caller's language and time zone (both are per thread): the same run's
    # messages and days, whichever thread does the page.
    language, zone = translation.get_language(), timezone.get_current_timezone()
    todo: queue.Queue = queue.Queue(maxsize=lanes)
    stop = threading.Event()
    errors: list[BaseException] = []
    states: list = []

    def lane() -> None:
        try:
            translation.activate(language)
            timezone.activate(zone)
            state = start()
            states.append(state)
            while not stop.is_set():
                try:
                    page = todo.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                if page is _DONE:
                    return
                work(state, page)
        except BaseException as error:  # handed to the caller's thread, which raises it
            errors.append(error)
            stop.set()
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=lane, name=f"billing-job-lane-{n}", daemon=True) for n in range(lanes)]
    for thread in threads:
        thread.start()
    try:
        for page in pages:
            if not _hand(todo, page, stop):
                break
        for _lane in threads:
            if not _hand(todo, _DONE, stop):
                break
    except BaseException as error:
        errors.insert(0, error)
        stop.set()
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return states


def _hand(todo: queue.Queue, item, stop: threading.Event) -> bool:
    """Put `item` in the queue for the next free lane; False when a lane failed meanwhile."""
    while not stop.is_set():
        try:
            todo.put(item, timeout=_POLL_S)
        except queue.Full:
            continue
        return True
    return False

"""Races for the concurrency tests: each callable on its own thread and database connection."""

from __future__ import annotations

import threading

from django.db import connection


def race(workers) -> list:
    """Run each callable in its own thread (own connection), all released at the same moment; returns
    each one's result, or the exception it raised (the outcome is what the test inspects)."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # the outcome is what the test inspects
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results

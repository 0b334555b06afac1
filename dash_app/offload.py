"""CPU-bound work in a gevent worker, without stalling the worker's other requests.

A gevent worker answers every request on one event loop; work that holds the CPU inside a request
holds the loop too. Such work runs here in a native thread instead: the loop goes on answering
while the thread computes (the heavy parts, image decoding and onnxruntime, release the GIL).
An upload's classification runs in a pool of its own with a fixed number of threads, so that a
burst of uploads queues for the cores rather than crowding out every other request; the rare
seconds-long jobs (reading the dataset for the galleries) use gevent's own pool.
"""

from __future__ import annotations

from functools import partial

_POOLS: dict[int, object] = {}  # threads -> gevent ThreadPool, made in the worker after the fork


def off_the_event_loop(function, *args, threads: int | None = None, **kwargs):
    """`function(*args, **kwargs)` in a native thread when this process is patched by gevent (a gunicorn
    gevent worker), in the Flask app context of the caller; directly otherwise. `threads`: run it in
    the bounded pool of that many threads (None: gevent's own pool)."""
    from gevent import monkey

    call = partial(function, *args, **kwargs)
    if not monkey.is_module_patched("threading"):
        return call()
    import gevent
    from gevent.threadpool import ThreadPool

    if threads is None:
        pool = gevent.get_hub().threadpool
    else:
        if threads not in _POOLS:
            _POOLS[threads] = ThreadPool(threads)
        pool = _POOLS[threads]
    return pool.apply(_in_app_context(call))


def _in_app_context(call):
    """`call` wrapped to run in the current Flask app context (flask-caching reads the app from it)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return call
    app = current_app._get_current_object()

    def run():
        with app.app_context():
            return call()

    return run

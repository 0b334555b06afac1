"""Long CPU-bound work in a gevent worker, without stalling the worker's other requests."""

from __future__ import annotations


def off_the_event_loop(function, *args):
    """`function(*args)`, run in a native thread of gevent's pool when this process is patched by
    gevent (a gunicorn gevent worker), so the worker goes on answering other requests meanwhile;
    called directly otherwise. For rare, seconds-long work only (loading a dataset)."""
    from gevent import monkey

    if not monkey.is_module_patched("threading"):
        return function(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(function, args)

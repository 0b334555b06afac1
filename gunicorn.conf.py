"""gunicorn settings shared by the Procfile and `make serve` (gunicorn reads this file from the
working directory). Each setting can be overridden on the command line or in GUNICORN_CMD_ARGS.

Why gevent workers: a gthread worker gives each connection a thread while it reads the request, so
a few clients that send their headers slowly hold every thread and stall everyone else. A gevent
worker reads each connection in a greenlet, so idle or slow sockets cost almost nothing, and every
request this app serves is short (model inference in milliseconds, figures from precomputed
artifacts). Long CPU work would block a gevent worker's other requests, so the app never runs
process pools inside a request, and runs its one seconds-long job (reading the dataset for the
galleries) in a native thread (dash_app.offload).

gevent patches the standard library here, before the app is preloaded, so that the master and the
workers it forks share one patched runtime; onnxruntime is imported, and its sessions are created,
only in the workers, after the fork (its thread pools do not survive one).
"""

import os

from gevent import monkey

monkey.patch_all()

bind = f"0.0.0.0:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS", "200"))
preload_app = True
timeout = 60  # a worker that answers no heartbeat for this long is restarted
graceful_timeout = 20  # on SIGTERM, requests in flight get this long to finish
keepalive = 5
control_socket_disable = True  # gunicorn's run-time control socket is not used here


def post_worker_init(worker):
    """Each worker starts decoding the galleries' test split as it boots (in a native thread),
    rather than on its first visitor's request."""
    from dash_app.gallery import prefetch_on_boot

    prefetch_on_boot(worker.wsgi)

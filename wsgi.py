"""WSGI entry point: `gunicorn wsgi:server` (settings in gunicorn.conf.py)."""

import logging

from dash_app import create_app

# Under gunicorn the app's log lines go where gunicorn's own go.
_gunicorn = logging.getLogger("gunicorn.error")
if _gunicorn.handlers:
    logging.getLogger("dash_app").handlers = _gunicorn.handlers
    logging.getLogger("dash_app").setLevel(_gunicorn.level)

app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(debug=app.server.extensions["cifar"].config.debug, host="127.0.0.1", port=8050)

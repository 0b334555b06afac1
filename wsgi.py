"""WSGI entry point: `gunicorn wsgi:server`."""

from dash_app import create_app

app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(debug=app.server.extensions["cifar"].config.debug, host="127.0.0.1", port=8050)

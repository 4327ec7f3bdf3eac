"""The framework's floor for bench/load.py: a bare Flask app with one view.

``GET`` or ``POST /bytes?size=N`` reads the request body and answers N bytes of
HTML. bench/load.py serves it with the same gunicorn settings as the LMS and
asks, for each page, for as many bytes as that page weighed in the same run:
what is left between the two is the LMS's own work (sessions, queries,
templates), not Python, WSGI, gunicorn or the network.

    gunicorn --chdir bench floor_app:app
"""

from flask import Flask, request

MAX_SIZE = 16 * 1024 * 1024
PAYLOAD = b"<!doctype html><title>floor</title>" + b"x" * MAX_SIZE

app = Flask(__name__)


@app.route("/bytes", methods=["GET", "POST"])
def sized():
    request.get_data()
    size = min(max(request.args.get("size", 0, type=int), 0), MAX_SIZE)
    return PAYLOAD[:size], 200, {"Content-Type": "text/html; charset=utf-8"}

"""The floor for bench/api.py: a bare Flask app with one small JSON endpoint.

gunicorn -c infra/gunicorn.conf.py "bench.baseline_app:app"
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify({"status": "ok"})

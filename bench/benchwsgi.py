"""The portal as gunicorn serves it, plus one bench-only route: /__bench/hello answers
"Hello, World!" through the same app (its request hooks included), so that every figure of
bench/run.py can be given as a ratio to the cheapest request the same server can answer.
This module lives outside the package: production's wsgi.py never has the route."""

from portal import create_app

app = create_app()


@app.get("/__bench/hello")
def hello():
    """The baseline of the benchmark."""
    return "Hello, World!"

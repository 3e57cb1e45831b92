"""Tests build a new app for every test (about 1,400 per run); most of create_app's time is
werkzeug generating and compiling a URL-builder function for each of the ~70 routes. That code
depends only on the rule, so within a test run it is generated once per rule and reused.

The generated function takes the rule as its first argument (it is bound to each new Rule by
werkzeug itself), so sharing it between apps changes nothing but the time spent. Rules with a
default for one of their own variables are left alone (werkzeug folds that value into the code).
If werkzeug's internals change shape, the cache steps aside and create_app is just slower.
"""

from __future__ import annotations

import inspect

from werkzeug.routing.rules import Rule

_original = getattr(Rule, "_compile_builder", None)
_builders: dict = {}


def _cached_compile_builder(self: Rule, append_unknown: bool = True):
    defaults = self.defaults or {}
    trace = tuple(self._trace)
    if any(is_dynamic and data in defaults for is_dynamic, data in trace):
        return _original(self, append_unknown)
    key = (self.rule, trace, append_unknown, tuple(str(name) for name in defaults))
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original(self, append_unknown)
    return builder


def install() -> None:
    if _original is not None and list(inspect.signature(_original).parameters) == ["self", "append_unknown"]:
        Rule._compile_builder = _cached_compile_builder

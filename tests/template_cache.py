"""Tests build a new app for every test, and with it a new Jinja environment that compiles each
template it renders from scratch: about a third of a small test's time. Jinja's own bytecode
cache keeps the compiled code of each template (keyed by its name and a checksum of its source,
so an edited template is compiled again), here in memory for the whole test process.

What a template renders does not change: the environment loads the same code that it would
have compiled, and every app still has its own environment, globals and filters.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class MemoryBytecodeCache(BytecodeCache):
    def __init__(self):
        self._code: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)


def install() -> None:
    if "bytecode_cache" not in Flask.jinja_options:
        Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": MemoryBytecodeCache()}

"""A service's handlers wired to what they need, once, by its setup (as cosmicpython's bootstrap).

A handler is `handler(command, caller, *, <dependencies>)`: the command already
checked against its contract and the service's access table, the caller, and by
keyword exactly the dependencies it names (store, vault, clock, settings, a
projection). `bind` gives each handler those and nothing else; a handler naming
something its service does not provide fails at start, not on the first call.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable


def bind(table: dict[str, Callable], **dependencies) -> dict[str, Callable]:
    bound = {}
    for name, handler in table.items():
        wanted = [parameter.name for parameter in inspect.signature(handler).parameters.values()
                  if parameter.kind is parameter.KEYWORD_ONLY]
        missing = sorted(set(wanted) - dependencies.keys())
        if missing:
            raise TypeError(f"{name}: {handler.__qualname__} needs {', '.join(missing)}, which setup does not give")
        bound[name] = functools.partial(handler, **{key: dependencies[key] for key in wanted})
    return bound

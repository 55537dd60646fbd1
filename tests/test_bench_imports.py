"""`make bench` is not part of `make test`, but its modules must at least load."""
import importlib

import pytest


@pytest.mark.parametrize("module", ["bench.__main__", "bench.raw", "bench.clients", "bench.matching", "bench.audit",
                                    "bench.web", "bench.notifications", "bench.front_door", "bench.paging",
                                    "bench.paging_people", "bench.paging_records"])
def test_bench_module_imports(module):
    loaded = importlib.import_module(module)
    assert loaded.__doc__, f"{module} says what it measures"

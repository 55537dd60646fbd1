"""Cost ratios measured in the test itself, as make bench measures them: on this shared machine a slow moment
in one round must not decide a test, so a ratio is measured again, a few rounds at most, until one is within."""
from typing import Callable


def ratios_until_within(ratio: Callable[[], float], at_most: float = 2.0, rounds: int = 3) -> list[float]:
    """`ratio()` measured until one round is at most `at_most`; every round's, for the assertion's message."""
    ratios: list[float] = []
    for _ in range(rounds):
        ratios.append(ratio())
        if ratios[-1] <= at_most:
            break
    return ratios

"""ReplayedAggregates' pages (shared.views): in order, after a key, kept in order as the log goes on, and page 1
of a long list costs about what page 1 of a short one does (issue 20: at most twice, 100,000 against 100)."""
import time
import uuid
from types import SimpleNamespace

from shared.views import ReplayedAggregates
from shared.tests.timing import ratios_until_within


class Item(SimpleNamespace):
    pass


class Other(SimpleNamespace):
    pass


def replayed_with(count: int) -> ReplayedAggregates:
    nothing_new = SimpleNamespace(select_notifications=lambda **_: [])
    replayed = ReplayedAggregates(nothing_new, mapper=None)
    for n in range(count):
        item = Item(id=uuid.UUID(int=n + 1), name=f"Item {n:06d}", region="Hampden" if n % 2 else "Berkshire")
        replayed.aggregates[item.id] = item
    other = Other(id=uuid.uuid4(), name="Item 000000")
    replayed.aggregates[other.id] = other  # another kind: never listed
    return replayed


def by_name(item) -> tuple:
    return item.name.casefold(), str(item.id)


def page(replayed, after=None, limit=3, matches=lambda item: True):
    return replayed.page("items", Item, by_name, after, limit, matches)


def test_pages_follow_each_other_by_key_and_filter_as_they_walk():
    replayed = replayed_with(10)
    first, after = page(replayed)
    assert [i.name for i in first] == ["Item 000000", "Item 000001", "Item 000002"]
    seen = list(first)
    while after is not None:
        more, after = page(replayed, after)
        seen += more
    assert [i.name for i in seen] == [f"Item {n:06d}" for n in range(10)]
    hampden, after = page(replayed, limit=2, matches=lambda item: item.region == "Hampden")
    assert [i.name for i in hampden] == ["Item 000001", "Item 000003"] and after == list(by_name(hampden[-1]))
    assert page(replayed, after=["item 000009", "~"]) == ([], None)


def test_a_changed_or_new_aggregate_takes_its_place_in_the_order():
    replayed = replayed_with(5)
    page(replayed)  # the order is made at its first use
    ordered = replayed.orders["items"]
    renamed = replayed.aggregates[uuid.UUID(int=1)]
    renamed.name = "Zed"
    ordered.put(renamed)  # as catch_up does for each event
    newcomer = Item(id=uuid.UUID(int=99), name="Alpha", region="Hampden")
    replayed.aggregates[newcomer.id] = newcomer
    ordered.put(newcomer)
    names = [i.name for i in page(replayed, limit=10)[0]]
    assert names == ["Alpha", "Item 000001", "Item 000002", "Item 000003", "Item 000004", "Zed"]


def cost_of_page_one(replayed, repeats: int = 200) -> float:
    page(replayed, limit=50)  # the order made once, as a running service has it
    best = float("inf")
    for _ in range(repeats):  # the least of many: what the page costs, not what the busy machine adds
        started = time.perf_counter()
        page(replayed, limit=50)
        best = min(best, time.perf_counter() - started)
    return best


def test_page_one_of_100000_costs_at_most_twice_page_one_of_100():
    short, long = replayed_with(100), replayed_with(100_000)
    ratios = ratios_until_within(lambda: cost_of_page_one(long) / cost_of_page_one(short))
    assert min(ratios) <= 2.0, ratios


def test_an_aggregate_may_have_several_keys_or_none_and_a_page_may_keep_to_a_prefix():
    replayed = replayed_with(0)
    for n, regions in enumerate((["Hampden", "Berkshire"], [], ["Hampden"], ["Berkshire", "Hampden"])):
        item = Item(id=uuid.UUID(int=n + 1), name=f"Item {n}", regions=regions)
        replayed.aggregates[item.id] = item

    def by_region(item) -> list[tuple]:
        return [(region, item.name, str(item.id)) for region in item.regions]

    def region_page(region, after=None, limit=2):
        found, after = replayed.entries("by region", Item, by_region, after, limit, prefix=(region,))
        return [item.name for _, item in found], after

    assert region_page("Hampden") == (["Item 0", "Item 2"], ["Item 2", str(uuid.UUID(int=3))])
    assert region_page("Hampden", ["Item 2", str(uuid.UUID(int=3))]) == (["Item 3"], None)
    assert region_page("Berkshire", limit=5) == (["Item 0", "Item 3"], None)  # never another region's
    assert region_page("Essex") == ([], None)
    moved = replayed.aggregates[uuid.UUID(int=1)]
    moved.regions = ["Essex"]
    replayed.put_again([moved])  # as for a change no event of its own tells
    assert region_page("Hampden", limit=5) == (["Item 2", "Item 3"], None)
    assert region_page("Essex") == (["Item 0"], None)
    assert replayed.orders["by region"].held.get(uuid.UUID(int=2)) is None  # no keys, nothing held

"""Signed checkpoints, paged inside audit by seq (issue 20): walking the pages yields every checkpoint once, in
order, ending at the head the first page signed; and page 1 of 100,000 costs at most twice page 1 of 100."""
from __future__ import annotations

import json

import pytest

from bench.paging import least_time
from services.audit import cli
from services.audit.chain import now
from services.audit.ledger import SQLiteLedger
from services.audit.settings import Settings
from services.audit.setup import setup
from services.audit.signing import Signer, signing_key
from services.audit.tests.support import AUDITOR, audited_network
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401
from shared.tests.timing import ratios_until_within


def signed(ledger, count: int) -> list[int]:
    """`count` checkpoints, one every 1,000 entries as audit signs them (their hash and signature stand-ins:
    a page reads them, it does not check them)."""
    seqs = [1000 * n for n in range(1, count + 1)]
    with ledger.writing() as db:
        db.executemany(f"INSERT INTO {ledger.checkpoints_table} VALUES (?, ?, ?, ?, ?)",
                       [(seq, f"{seq:064x}", now(), ledger.signer.key_id, "s") for seq in seqs])
    return seqs


def walk(audit, limit: int) -> tuple[list, list]:
    items, sizes, after = [], [], None
    while True:
        page = audit.perform("checkpoints", AUDITOR, {"limit": limit, "after": after})
        assert page["public_key"] == audit.signer.public_key
        items += page["items"]
        sizes.append(len(page["items"]))
        after = page["next_after"]
        if after is None:
            return items, sizes


@pytest.fixture
def audit(app_factory, tmp_path):
    return app_factory(setup, env={"AUDIT_LEDGER_DBNAME": str(tmp_path / "ledger.sqlite")})


@pytest.mark.parametrize("limit", [1, 7, 23, 100])
def test_walking_the_checkpoints_yields_each_once_in_order(audit, limit):
    seqs = signed(audit.ledger, 23)
    items, sizes = walk(audit, limit)
    assert [c["seq"] for c in items] == seqs
    assert max(sizes) <= limit and len(sizes) == -(-23 // limit)
    assert set(items[0]) == {"seq", "hash", "signed_at", "key_id", "signature"}


def test_the_first_page_signs_the_head_and_the_walk_ends_there(app_factory, isolated_env):
    _, audit = audited_network(app_factory, isolated_env)
    assert [c["seq"] for c in audit.ledger.checkpoints()] == [4, 8]
    items, _ = walk(audit, 1)
    assert [c["seq"] for c in items] == [4, 8, 10] and audit.ledger.head()[0] == 10
    assert audit.perform("verify", AUDITOR, False, items)["chain"] == {
        "ok": True, "entries_verified": 10, "checkpoints": 3, "problem": None, "head": audit.ledger.head()[1]}


def test_every_checkpoint_is_read_a_page_at_a_time(audit):
    seqs = signed(audit.ledger, 10)
    assert [c["seq"] for c in audit.ledger.every_checkpoint(chunk=3)] == seqs
    assert audit.ledger.checkpoint_count() == 10


@pytest.mark.parametrize("kept_as", [lambda items: items, lambda items: {"public_key": "k", "items": items,
                                                                          "next_cursor": None}])
def test_the_cli_checks_against_the_pages_kept_elsewhere(isolated_env, capsys, kept_as):
    """Kept as every page's items joined, or as one page the API gave: a ledger cut short no longer reaches it."""
    ledger = SQLiteLedger(str(isolated_env.resolve() / "audit_ledger.sqlite"),
                          Signer(signing_key(Settings.from_env().signing_key)))
    for position in (1, 2, 3):
        ledger.skip("intake", position)
    ledger.checkpoint()
    kept = isolated_env / "kept.json"
    kept.write_text(json.dumps(kept_as(list(ledger.every_checkpoint()))))
    ledger._connection().execute("DELETE FROM ledger_entries WHERE seq = 3")
    ledger._connection().execute("DELETE FROM ledger_checkpoints")
    assert cli.main(["verify", "--chain-only"]) == 0  # by itself, the shorter ledger holds together
    assert cli.main(["verify", "--chain-only", "--checkpoints", str(kept)]) == 1
    assert "a signed checkpoint names entry 3, but the ledger ends at 2" in capsys.readouterr().out


# -- what page 1 costs ---------------------------------------------------------------------------------------------
def cost_of_page_one(audit, repeats: int = 200) -> float:
    assert len(audit.perform("checkpoints", AUDITOR, {"limit": 50})["items"]) == 50
    return least_time(lambda: audit.perform("checkpoints", AUDITOR, {"limit": 50}), repeats)


def test_page_one_of_100000_checkpoints_costs_at_most_twice_page_one_of_100(app_factory, tmp_path):
    short, long = (app_factory(setup, env={"AUDIT_LEDGER_DBNAME": str(tmp_path / f"{count}.sqlite")})
                   for count in (100, 100_000))
    signed(short.ledger, 100)
    signed(long.ledger, 100_000)
    ratios = ratios_until_within(lambda: cost_of_page_one(long) / cost_of_page_one(short))
    assert min(ratios) <= 2.0, ratios

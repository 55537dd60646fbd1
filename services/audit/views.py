"""What the figures need beyond the ledger: a few non-personal facts from event bodies.

Kept beside the ledger and written in each entry's own transaction, so they
are exactly once and rebuilt with it. Only pseudonymous ids, organizations,
regions, dates and hours: nothing about what a person said or is.
"""
from __future__ import annotations


class FiguresView:
    def ddl(self, ledger) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {ledger.table('pool_members')} "
            "(peer_worker_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, region TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {ledger.table('subcontracts')} "
            "(agreement_id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, buyer_id TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {ledger.table('subcontract_hours')} (agreement_id TEXT NOT NULL, "
            "week_start TEXT NOT NULL, delivered REAL NOT NULL, agreed REAL NOT NULL, "
            "PRIMARY KEY (agreement_id, week_start))",
        ]

    def clear(self, ledger, db) -> None:
        for name in ("pool_members", "subcontracts", "subcontract_hours"):
            db.execute(f"DELETE FROM {ledger.table(name)}")

    def apply(self, ledger, db, event) -> None:
        if event.source != "directory":
            return
        body, sql = event.body, ledger.sql
        if event.type == "PoolJoined":
            db.execute(sql(f"INSERT INTO {ledger.table('pool_members')} VALUES (?, ?, ?) ON CONFLICT (peer_worker_id) "
                           "DO UPDATE SET organization_id = excluded.organization_id, region = excluded.region"),
                       (str(body["peer_worker_id"]), body["organization_id"], body["region"]))
        elif event.type == "PoolLeft":
            db.execute(sql(f"DELETE FROM {ledger.table('pool_members')} WHERE peer_worker_id = ?"),
                       (str(body["peer_worker_id"]),))
        elif event.type == "SubcontractAgreementMade":
            db.execute(sql(f"INSERT INTO {ledger.table('subcontracts')} VALUES (?, ?, ?) "
                           "ON CONFLICT (agreement_id) DO NOTHING"),
                       (str(body["agreement_id"]), body["provider_id"], body["buyer_id"]))
        elif event.type == "SubcontractHoursDelivered":
            db.execute(sql(f"INSERT INTO {ledger.table('subcontract_hours')} VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (agreement_id, week_start) DO UPDATE "
                           "SET delivered = excluded.delivered, agreed = excluded.agreed"),
                       (str(body["agreement_id"]), str(body["week_start"]), float(body["hours_delivered"]),
                        float(body["hours_agreed"])))

    def pool_by_region(self, ledger) -> dict[tuple[str, str], int]:
        with ledger.reading() as db:
            rows = db.execute(f"SELECT region, COUNT(*) FROM {ledger.table('pool_members')} GROUP BY region").fetchall()
        return {(region, "peer workers"): count for region, count in rows}

    def subcontract_hours(self, ledger) -> list[dict]:
        """Hours delivered against agreed per month and providing organization, with how many agreements."""
        with ledger.reading() as db:
            rows = db.execute(
                f"SELECT substr(h.week_start, 1, 7), s.provider_id, COUNT(DISTINCT h.agreement_id), "
                f"SUM(h.delivered), SUM(h.agreed) FROM {ledger.table('subcontract_hours')} h "
                f"JOIN {ledger.table('subcontracts')} s ON s.agreement_id = h.agreement_id "
                "GROUP BY substr(h.week_start, 1, 7), s.provider_id ORDER BY 1, 2").fetchall()
        return [{"month": month, "provider_id": provider, "agreements": agreements,
                 "hours_delivered": round(delivered, 2), "hours_agreed": round(agreed, 2)}
                for month, provider, agreements, delivered, agreed in rows]

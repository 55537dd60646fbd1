"""What the figures need beyond the ledger: a few non-personal facts from event bodies.

Kept beside the ledger and written in each entry's own transaction, so they
are exactly once and rebuilt with it. Only pseudonymous ids, organizations,
regions, dates and hours: nothing about what a person said or is.
"""
from __future__ import annotations

from datetime import date, timedelta

from services.audit.chain import utc
from shared.contracts import latest

TABLES = ("pool_members", "subcontracts", "subcontract_hours", "open_requests", "connections", "employments",
          "overdue", "connection_regions", "credentials")
EXPIRING = (("within_30", 30), ("within_60", 60))  # days ahead a credential counts as expiring, nearest first
NOT_RECORDED = "region not recorded"  # connections matching published before its events named a region


class FiguresProjection:
    def ddl(self, ledger) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {ledger.table('pool_members')} "
            "(peer_worker_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, region TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {ledger.table('subcontracts')} "
            "(agreement_id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, buyer_id TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {ledger.table('subcontract_hours')} (agreement_id TEXT NOT NULL, "
            "week_start TEXT NOT NULL, delivered REAL NOT NULL, agreed REAL NOT NULL, "
            "PRIMARY KEY (agreement_id, week_start))",
            # A person's latest open request (its day), until a connection begins or matching clears them.
            f"CREATE TABLE IF NOT EXISTS {ledger.table('open_requests')} "
            "(person_id TEXT PRIMARY KEY, requested_on TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {ledger.table('connections')} (connection_id TEXT PRIMARY KEY, "
            "began_month TEXT NOT NULL, ended_month TEXT, days_waited INTEGER)",
            # Its own table, so a ledger kept from before regions needs no migration (rebuild to count the past).
            f"CREATE TABLE IF NOT EXISTS {ledger.table('connection_regions')} (connection_id TEXT PRIMARY KEY, "
            "region TEXT NOT NULL, began_month TEXT, ended_month TEXT)",
            f"CREATE TABLE IF NOT EXISTS {ledger.table('employments')} (peer_worker_id TEXT NOT NULL, "
            "organization_id TEXT NOT NULL, PRIMARY KEY (peer_worker_id, organization_id))",
            f"CREATE TABLE IF NOT EXISTS {ledger.table('overdue')} (peer_worker_id TEXT NOT NULL, "
            "organization_id TEXT NOT NULL, month TEXT NOT NULL, PRIMARY KEY (peer_worker_id, organization_id, month))",
            # Days only: never a credential's number (sealed in the event, and not kept here).
            f"CREATE TABLE IF NOT EXISTS {ledger.table('credentials')} (credential_id TEXT PRIMARY KEY, "
            "peer_worker_id TEXT NOT NULL, expires TEXT, expired_on TEXT)",
        ]

    def clear(self, ledger, db) -> None:
        for name in TABLES:
            db.execute(f"DELETE FROM {ledger.table(name)}")

    def apply(self, ledger, db, event) -> None:
        if event.source == "matching":
            self._matching(ledger, db, event)
        elif event.source == "supervision" and event.type == "SupervisionOverdue":
            self._overdue(ledger, db, event)
        elif event.source == "directory":
            self._directory(ledger, db, event)

    def _directory(self, ledger, db, event) -> None:
        # Hours reported before weeks were ISO weeks (version 1) count in their Monday's week.
        body, sql = latest(event).body, ledger.sql
        if event.type == "EmploymentBegan":
            db.execute(sql(f"INSERT INTO {ledger.table('employments')} VALUES (?, ?) ON CONFLICT DO NOTHING"),
                       (str(body["peer_worker_id"]), body["organization_id"]))
        elif event.type == "EmploymentEnded":
            db.execute(sql(f"DELETE FROM {ledger.table('employments')} WHERE peer_worker_id = ? "
                           "AND organization_id = ?"), (str(body["peer_worker_id"]), body["organization_id"]))
        elif event.type == "PoolJoined":
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
        elif event.type == "CredentialRecorded":
            expires = body["expires"] and str(body["expires"])
            db.execute(sql(f"INSERT INTO {ledger.table('credentials')} VALUES (?, ?, ?, NULL) ON CONFLICT "
                           "(credential_id) DO UPDATE SET expires = excluded.expires, expired_on = NULL"),
                       (body["credential_id"], str(body["peer_worker_id"]), expires))
        elif event.type == "CredentialExpired":
            db.execute(sql(f"UPDATE {ledger.table('credentials')} SET expired_on = ? WHERE credential_id = ?"),
                       (str(body["expired_on"]), body["credential_id"]))
        elif event.type == "SubcontractHoursDelivered":
            db.execute(sql(f"INSERT INTO {ledger.table('subcontract_hours')} VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (agreement_id, week_start) DO UPDATE "
                           "SET delivered = excluded.delivered, agreed = excluded.agreed"),
                       (str(body["agreement_id"]), str(body["week_start"]), float(body["hours_delivered"]),
                        float(body["hours_agreed"])))

    def _matching(self, ledger, db, event) -> None:
        event = latest(event)  # connection events of version 1 name no region
        body, sql, day = event.body, ledger.sql, utc(event.occurred_at)[:10]
        if event.type == "OffersRequested":
            db.execute(sql(f"INSERT INTO {ledger.table('open_requests')} VALUES (?, ?) ON CONFLICT (person_id) "
                           "DO UPDATE SET requested_on = excluded.requested_on"), (str(body["person_id"]), day))
        elif event.type == "PersonMatchingCleared":
            db.execute(sql(f"DELETE FROM {ledger.table('open_requests')} WHERE person_id = ?"),
                       (str(body["person_id"]),))
        elif event.type == "ConnectionBegan":
            person = str(body["person_id"])
            row = db.execute(sql(f"SELECT requested_on FROM {ledger.table('open_requests')} WHERE person_id = ?"),
                             (person,)).fetchone()
            waited = (date.fromisoformat(day) - date.fromisoformat(row[0])).days if row else None
            db.execute(sql(f"DELETE FROM {ledger.table('open_requests')} WHERE person_id = ?"), (person,))
            db.execute(sql(f"INSERT INTO {ledger.table('connections')} VALUES (?, ?, NULL, ?) "
                           "ON CONFLICT (connection_id) DO NOTHING"), (str(body["connection_id"]), day[:7], waited))
            db.execute(sql(f"INSERT INTO {ledger.table('connection_regions')} VALUES (?, ?, ?, NULL) "
                           "ON CONFLICT (connection_id) DO NOTHING"),
                       (str(body["connection_id"]), body["region"] or NOT_RECORDED, day[:7]))
        elif event.type == "ConnectionEnded":
            db.execute(sql(f"UPDATE {ledger.table('connections')} SET ended_month = ? WHERE connection_id = ?"),
                       (day[:7], str(body["connection_id"])))
            # The ending names the region too, so it counts even when its beginning came before the ledger.
            db.execute(sql(f"INSERT INTO {ledger.table('connection_regions')} VALUES (?, ?, NULL, ?) "
                           "ON CONFLICT (connection_id) DO UPDATE SET ended_month = excluded.ended_month"),
                       (str(body["connection_id"]), body["region"] or NOT_RECORDED, day[:7]))

    def _overdue(self, ledger, db, event) -> None:
        """Counted against each organization employing the peer worker when the shortfall was found."""
        sql, peer_worker = ledger.sql, str(event.body["peer_worker_id"])
        month = str(event.body["detected_on"])[:7]  # a date or its ISO text: both start YYYY-MM
        organizations = [org for (org,) in db.execute(
            sql(f"SELECT organization_id FROM {ledger.table('employments')} WHERE peer_worker_id = ?"),
            (peer_worker,)).fetchall()] or ["none"]
        for organization in organizations:
            db.execute(sql(f"INSERT INTO {ledger.table('overdue')} VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
                       (peer_worker, organization, month))

    def connections_by_month_and_region(self, ledger, which: str) -> dict[tuple[str, str], int]:
        """(month, region) -> connections that `which` ("began" or "ended") that month there."""
        column = {"began": "began_month", "ended": "ended_month"}[which]
        with ledger.reading() as db:
            rows = db.execute(f"SELECT {column}, region, COUNT(*) FROM {ledger.table('connection_regions')} "
                              f"WHERE {column} IS NOT NULL GROUP BY {column}, region").fetchall()
        return {(month, region): n for month, region, n in rows}

    def days_to_connection(self, ledger) -> dict[str, list[int]]:
        """Month a connection began -> the days each waited since the person's request (when seen)."""
        waits: dict[str, list[int]] = {}
        with ledger.reading() as db:
            rows = db.execute(f"SELECT began_month, days_waited FROM {ledger.table('connections')} "
                              "WHERE days_waited IS NOT NULL ORDER BY began_month, days_waited").fetchall()
        for month, days in rows:
            waits.setdefault(month, []).append(days)
        return waits

    def short_of_supervision(self, ledger) -> dict[tuple[str, str], int]:
        with ledger.reading() as db:
            rows = db.execute(f"SELECT organization_id, month, COUNT(DISTINCT peer_worker_id) "
                              f"FROM {ledger.table('overdue')} GROUP BY organization_id, month").fetchall()
        return {(organization, month): n for organization, month, n in rows}

    def credentials_expiring(self, ledger, today: date) -> dict[tuple[str, str], int]:
        """(organization, "expired" | "within_30" | "within_60") -> its current peer workers with a credential
        expired by today, or expiring within 30 days, or in 31 to 60 (a peer worker counts once in each)."""
        (first, sooner), (second, soon) = EXPIRING
        ahead = [(today + timedelta(days=days)).isoformat() for days in (sooner, soon)]
        with ledger.reading() as db:
            rows = db.execute(ledger.sql(
                f"SELECT e.organization_id, CASE WHEN c.expired_on IS NOT NULL OR c.expires < ? THEN 'expired' "
                f"WHEN c.expires < ? THEN '{first}' ELSE '{second}' END, COUNT(DISTINCT c.peer_worker_id) "
                f"FROM {ledger.table('credentials')} c JOIN {ledger.table('employments')} e "
                "ON e.peer_worker_id = c.peer_worker_id WHERE c.expired_on IS NOT NULL OR c.expires < ? "
                "GROUP BY 1, 2"), (today.isoformat(), ahead[0], ahead[1])).fetchall()
        return {(organization, bucket): n for organization, bucket, n in rows}

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

"""Under eventlet, a slow commit leaves the other green threads running; without eventlet, nothing changes."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import eventlet
    eventlet.monkey_patch()
    import sys
    from eventlet import patcher
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate
    from shared.sqlite_store import GreenCommitPool

    application = Application(env={"PERSISTENCE_MODULE": "shared.sqlite_store:Factory",
                                   "SQLITE_DBNAME": sys.argv[1]})
    pool = application.factory.datastore.pool
    assert isinstance(pool, GreenCommitPool)
    real_sleep = patcher.original("time").sleep
    connection = pool.get_connection(is_writer=True)
    pool.put_connection(connection)

    class SlowDisk:  # the connection's commit, as if the disk took 0.3 s to flush
        def __init__(self, sqlite_conn):
            self.sqlite_conn = sqlite_conn
        def commit(self):
            real_sleep(0.3)
            self.sqlite_conn.commit()
        def __getattr__(self, name):
            return getattr(self.sqlite_conn, name)
    connection._sqlite_conn = SlowDisk(connection._sqlite_conn)

    ticks = []
    def ticker():
        while True:
            ticks.append(1)
            eventlet.sleep(0.01)
    eventlet.spawn(ticker)
    eventlet.sleep(0)
    before = len(ticks)
    application.save(Aggregate())
    during = len(ticks) - before
    assert application.recorder.max_notification_id() == 1
    print(during)
""")


def test_other_green_threads_run_while_a_commit_waits_for_the_disk(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "store.sqlite")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 10, "the ticker should tick about 30 times during a 0.3 s commit"


def test_without_eventlet_it_is_eventsourcings_own_sqlite(tmp_path):
    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.sqlite import SQLiteConnectionPool

    from shared.sqlite_store import GreenCommitPool

    factory = InfrastructureFactory.construct({"PERSISTENCE_MODULE": "shared.sqlite_store:Factory",
                                               "SQLITE_DBNAME": str(tmp_path / "store.sqlite")})
    assert type(factory.datastore.pool) is SQLiteConnectionPool
    assert not isinstance(factory.datastore.pool, GreenCommitPool)


MAKE_TABLES = textwrap.dedent("""
    import sys, time
    from services.intake.application import IntakeApplication
    from cryptography.fernet import Fernet
    from shared.crypto import MemoryKeyStorage, PersonKeyVault
    start = float(sys.argv[2])
    while time.time() < start:
        pass
    IntakeApplication(PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode()),
                      {"SQLITE_DBNAME": sys.argv[1]})
""")


def test_a_service_and_its_relay_making_the_tables_at_once_both_start(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("PEERNET_STORE", "sqlite")
    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path))
    for round_ in range(4):
        store, start = str(tmp_path / f"intake-{round_}.sqlite"), str(time.time() + 1.5)
        starting = [subprocess.Popen([sys.executable, "-c", MAKE_TABLES, store, start], stderr=subprocess.PIPE,
                                     text=True) for _ in range(3)]
        for process in starting:
            assert process.wait(timeout=60) == 0, process.stderr.read()[-1500:]

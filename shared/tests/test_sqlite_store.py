"""Tables made by a service and its relay starting at the same moment."""
import subprocess
import sys
import textwrap

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

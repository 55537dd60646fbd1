"""What a killed run leaves behind goes: its network's processes, and its private vhost."""
import os
import signal
import subprocess
import sys
import textwrap

from tests.support import free_port_base, wait_until

STARTER = textwrap.dedent("""
    import sys, time
    from shared.network import Network
    network = Network(env={"AMQP_URI": sys.argv[1], "PEERNET_VAR_DIR": sys.argv[2]}, services=("intake",),
                      port_base=int(sys.argv[3]))
    network.start(timeout=120)
    print(" ".join(str(p.pid) for p in network.processes.values()), flush=True)
    time.sleep(600)
""")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has ended; only its exit status is left
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_killing_the_starter_ends_every_process_it_started(amqp_uri, tmp_path):
    starter = subprocess.Popen([sys.executable, "-c", STARTER, amqp_uri, str(tmp_path), str(free_port_base())],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        children = [int(pid) for pid in starter.stdout.readline().split()]
        assert len(children) == 2, f"intake and its relay should have started: {starter.stderr.read()[-2000:]}"
        assert all(alive(pid) for pid in children)
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        wait_until(lambda: not any(alive(pid) for pid in children), timeout=60,
                   message="the orphaned intake and relay stopped")
    finally:
        starter.kill()


def test_a_killed_test_runs_vhost_is_removed_by_the_next_run(amqp_uri):
    from tests.support import private_vhost, rabbitmqctl

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    abandoned = f"peernet-test-{gone.pid}-dead00"
    rabbitmqctl("add_vhost", abandoned)
    with private_vhost(amqp_uri):
        assert abandoned not in rabbitmqctl("list_vhosts").stdout.split()


def test_a_relay_whose_database_has_gone_still_stops_at_once(network_factory, postgres, tmp_path):
    import time

    import psycopg

    from shared import config
    from tests.conftest import postgres_env

    network = network_factory({"PEERNET_VAR_DIR": str(tmp_path / "var"), **postgres_env(postgres)},
                              services=("intake",))
    network.start()
    admin = config.Postgres(postgres.host, postgres.port, "postgres", postgres.user, postgres.password)
    with psycopg.connect(admin.conninfo(), autocommit=True) as db:
        db.execute(f'DROP DATABASE "{postgres.dbname}" WITH (FORCE)')  # the relay now waits on its pool
    time.sleep(1)
    started = time.monotonic()
    network.stop()
    # Waiting out the pool's timeout, it took the whole 15 s and was killed.
    assert time.monotonic() - started < 8

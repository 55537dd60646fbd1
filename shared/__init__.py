"""peernet's common library: the machinery every service shares.

psycopg's C build waits in C, where eventlet cannot switch greenthreads; the
Python wait function lets the hub run while a PostgreSQL query is in flight.
It must be chosen before psycopg is first imported, hence here.
"""
import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

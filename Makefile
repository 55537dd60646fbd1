# peernet: `make run` starts the network, `make test` runs the whole suite.
# Both make the virtual environment, install the web pages' packages (node_modules/)
# and make sure a broker answers first; `make test` also makes sure Chromium is here.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test bench broker postgres node chromium promtool lock token clean help demo backup restore

help:
	@echo "make run     start the whole network locally (Ctrl-C stops it)"
	@echo "make test    run the whole test suite (unit, service, integration, chaos)"
	@echo "make bench   measure throughput and lag against the raw broker and store"
	@echo "make lock    refresh requirements.lock from pyproject.toml"
	@echo "make token ROLE=peer USER=<id> [ORG=<id>]   mint a development token for the gateway"
	@echo "make demo    load a synthetic statewide network into the running network (make run first)"
	@echo "             sizes: make demo ARGS='--people 3000 --peer-workers 300 --counties 6'"
	@echo "make backup [TO=dir]   an encrypted snapshot of every store, the vault and the ledger (backups/<UTC time>/)"
	@echo "make restore FROM=dir [FORCE=1]   bring a backup back into an empty var/ or database (network stopped)"

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "peernet needs Python 3.11, found " + sys.version' 
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); \
	  else echo "Python's venv module is missing: sudo apt-get install python3-venv" >&2; exit 1; fi; }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

broker:
	@bash deploy/ensure-broker.sh

# Node.js and npm (Debian's packages if missing): USWDS and htmx for the pages, the test provider.
node:
	@bash deploy/ensure-node.sh

# The pages' packages and the browser tests' tools, exactly as package-lock.json pins them.
$(NODE_STAMP): package-lock.json package.json | node
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

# Debian's Chromium for the browser tests (or PEERNET_CHROMIUM).
chromium:
	@bash deploy/ensure-chromium.sh

postgres:
	@bash deploy/ensure-postgres.sh

# promtool (Debian's prometheus package) for the alert-rule tests.
promtool:
	@bash deploy/ensure-promtool.sh

run: $(STAMP) $(NODE_STAMP) broker
	$(PY) -m shared.launcher

# One pytest run by default. WEB_WORKERS=N runs the browser tests (tests/web) apart, on N
# pytest-xdist workers (one network per worker: --dist loadgroup); the first failure's status
# is make's, and a run that collects nothing (pytest's 5) fails too. Off, because on this 2-core
# machine it is slower: 40 browser tests (two page loads and two axe runs each, over both
# networks) took 61-65 s in one run, 96 s on 2 workers and 106 s on 2 workers with one
# network each (2026-12-05); Chromium, gunicorn, the gateway and the services already
# keep both cores busy. Try it on a machine with more cores.
WEB_WORKERS ?= 0

test: $(STAMP) $(NODE_STAMP) broker postgres chromium promtool
ifeq ($(WEB_WORKERS),0)
	$(PY) -m pytest
else
	@status=0; \
	$(PY) -m pytest --ignore=tests/web || status=$$?; \
	$(PY) -m pytest -n $(WEB_WORKERS) --dist loadgroup tests/web || { code=$$?; [ $$status -ne 0 ] || status=$$code; }; \
	exit $$status
endif

bench: $(STAMP) broker postgres
	$(PY) -m bench

# Online: the network may run. Keep PEERNET_BACKUP_KEY (or var/backup.key) apart from var/ and the backups.
backup: $(STAMP)
	$(PY) -m shared.backup backup $(if $(TO),--to "$(TO)")

# With the network stopped; refuses a var/ or database that holds a store unless FORCE=1.
restore: $(STAMP)
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/<UTC time> [FORCE=1]" >&2; exit 2; }
	$(PY) -m shared.backup restore --from "$(FROM)" $(if $(FORCE),--force)

# USER must be given on the command line: the login name in the environment is no peernet id.
token: $(STAMP)
	@test -n "$(ROLE)" || { echo "usage: make token ROLE=person|peer|supervisor|agency_admin|state_auditor USER=<id> [ORG=<organization id>]" >&2; exit 2; }
	@test "$(origin USER)" = "command line" || { echo "make token needs USER=<id> (a peer worker's id for ROLE=peer)" >&2; exit 2; }
	@$(PY) -m services.gateway.tokens --role "$(ROLE)" --user "$(USER)" $(if $(ORG),--org "$(ORG)")

# Through the gateway of a network `make run` started; idempotent, so it may run again.
demo: $(STAMP)
	$(PY) -m deploy.demo $(ARGS)

lock:
	rm -rf /tmp/peernet-lock && $(PYTHON) -m venv /tmp/peernet-lock
	/tmp/peernet-lock/bin/pip install --quiet --disable-pip-version-check '.[test]'
	/tmp/peernet-lock/bin/pip freeze --exclude peernet > requirements.lock
	rm -rf build *.egg-info

clean:
	rm -rf $(VENV) var .pytest_cache node_modules

"""`python -m services.audit.cli verify|rebuild`: the state's own check of the ledger, on this machine.

verify   walks the ledger's chain and signed checkpoints (optionally a copy of
         the checkpoints kept elsewhere, as JSON), then asks every source for
         its events again and compares digests; prints the first broken link or
         altered event and exits 1, or prints that all passed and exits 0.
rebuild  replays every source's log into an empty ledger, with a progress bar.
         Stop the audit service first.
verify-job <id>  runs a verification job the audit service started (it launches this).

The ledger and the sources are found as the services find them (shared.config).
"""
from __future__ import annotations

import argparse
import json
import sys

from services.audit.application import AuditApplication
from services.audit.service import RpcSources, SourcesPerCall
from services.audit.setup import setup
from shared import config
from shared.crypto import vault_from_env
from shared.identity import Caller
from shared.lifecycle import end_with_parent


def report(result: dict) -> list[str]:
    chain = result["chain"]
    lines = []
    if chain["ok"]:
        lines.append(f"chain: ok, {chain['entries_verified']} entries, {chain['checkpoints']} signed checkpoints")
    else:
        lines.append(f"chain: BROKEN after {chain['entries_verified']} good entries: "
                     f"{chain['problem']['kind']}: {chain['problem']['detail']}")
    for source in result["sources"]:
        if source["ok"]:
            lines.append(f"{source['source']}: ok, {source['events_checked']} events match their digests")
        else:
            lines.append(f"{source['source']}: {source['problem']['kind'].upper()}: {source['problem']['detail']}")
    lines.append("verify: passed" if result["ok"] else "verify: FAILED")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check the chain, the checkpoints and every source")
    verify.add_argument("--chain-only", action="store_true", help="do not ask the sources (no broker needed)")
    verify.add_argument("--checkpoints", help="a JSON file of checkpoints kept elsewhere: the items of every page "
                        "of GET /audit-checkpoints, joined")
    commands.add_parser("rebuild", help="replay every source's log into an empty ledger")
    job = commands.add_parser("verify-job", help="run a verification job the audit service started")
    job.add_argument("job_id")
    args = parser.parse_args(argv)

    if args.command == "rebuild":
        audit = setup(vault_from_env(), sources=SourcesPerCall(config.amqp_uri()))
        print(f"ledger rebuilt: {audit.rebuild()} events entered")
        return 0
    if args.command == "verify" and args.chain_only:
        return run_verify(setup(vault_from_env()), args)
    with RpcSources(config.amqp_uri()) as sources:  # one connection for the whole verification
        return run_verify(setup(vault_from_env(), sources=sources), args)


def run_verify(audit: AuditApplication, args) -> int:
    if args.command == "verify-job":
        end_with_parent()  # the audit service that started it
        audit.jobs.run(args.job_id)
        return 0
    kept = None
    if args.checkpoints:
        with open(args.checkpoints) as file:
            loaded = json.load(file)
        # A list (every page's items joined), one page as the API gives it, or a copy kept from before pages.
        kept = loaded.get("items", loaded.get("checkpoints")) if isinstance(loaded, dict) else loaded
    result = audit.perform("verify", Caller.system("audit"), not args.chain_only, kept)
    print("\n".join(report(result)))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

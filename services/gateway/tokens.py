"""Mint a development token: `python -m services.gateway.tokens --role peer --user <id> [--org <id>]`.

Signed with the development secret (PEERNET_JWT_SECRET, or var/jwt.secret),
so only a gateway without an identity provider configured accepts it.
"""
import argparse
import sys

from marshmallow import ValidationError

from services.gateway.auth import DEVELOPMENT_MAX_LIFETIME
from shared.dev_tokens import mint_development_token
from shared.identity import TOKEN_ROLES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", required=True, choices=TOKEN_ROLES)
    parser.add_argument("--user", required=True, help="the user's id (a peer worker's id for role peer)")
    parser.add_argument("--org", default=None, help="the organization (required for agency_admin)")
    parser.add_argument("--hours", type=float, default=8.0, help="how long the token is valid (at most 24)")
    args = parser.parse_args(argv)
    if not 0 < args.hours <= DEVELOPMENT_MAX_LIFETIME / 3600:
        parser.error("--hours must be more than 0 and at most 24: the gateway refuses longer development tokens")
    try:
        print(mint_development_token(args.role, args.user, args.org or None, lifetime=int(args.hours * 3600)))
    except ValidationError as error:
        print(f"cannot mint that token: {error.normalized_messages()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

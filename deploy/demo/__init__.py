"""`make demo`: a synthetic statewide network loaded through the HTTP API of a running network.

Everything goes through the gateway, as each role would do it, with development tokens minted
as `make token` mints them. Ids are uuid5 from a fixed namespace and every step first reads
what is there, so running it again adds nothing.
"""

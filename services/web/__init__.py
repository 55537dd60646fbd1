"""peernet's web pages: a client of the gateway's public HTTP API, nothing more."""

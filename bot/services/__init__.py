"""Use cases: each checks the rules and writes in one transaction, and returns what changed."""

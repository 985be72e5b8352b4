"""The rules of deliberation as small pure functions: who may do what, and when a vote carries."""

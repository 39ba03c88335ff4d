"""The hub's HTTP API (FastAPI): dependencies, error model and one router per area."""

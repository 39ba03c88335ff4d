"""Hub domain services: plain functions over a Session, shared by the API, the CLI and (next) the console."""

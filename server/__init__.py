"""The Yizhan hub: the sync API (api/), the staff web console (console/), the hub database (db/),
its services (services/) and the `yizhan-hub` command (cli.py). See docs/architecture.md."""

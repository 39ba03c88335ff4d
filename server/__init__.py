"""The Yizhan hub: sync API, hub database, CLI `yizhan-hub` (staff console comes next)."""

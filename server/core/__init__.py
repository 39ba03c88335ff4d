"""Hub core: settings, database engine, and the hub's keys."""

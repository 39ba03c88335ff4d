"""Hub database: SQLAlchemy models and migrations runner."""

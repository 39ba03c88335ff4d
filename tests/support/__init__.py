"""Reusable test helpers: a throwaway PostgreSQL, a hub in a subprocess, a TCP fault-injection proxy."""

"""Kiosk screens; each is built from the UiContext by the Navigator (see ui/navigator.py)."""

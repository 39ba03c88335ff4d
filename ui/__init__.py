"""The kiosk's Qt user interface (only ui/ and desktop/ import Qt)."""

from ui.immortal import keep_singletons_alive

keep_singletons_alive()  # before any Qt call of the package: see ui/immortal.py

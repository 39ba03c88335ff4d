"""Step pages of a service flow, one per catalogue step kind (one decision per screen)."""

from __future__ import annotations

from ui.steps.base import StepPage
from ui.steps.choose import ChoosePage, DateSlotPage
from ui.steps.confirm import CheckinPage, ConfirmPage, ConsentPage
from ui.steps.identify import IdentifyPage
from ui.steps.text import PhotoPage, TextPage

PAGES: dict[str, type[StepPage]] = {
    "identify": IdentifyPage,
    "choose": ChoosePage,
    "text": TextPage,
    "date_slot": DateSlotPage,
    "photo": PhotoPage,
    "consent": ConsentPage,
    "confirm": ConfirmPage,
}


def page_class(kind: str, style: str = "") -> type[StepPage]:
    if kind == "confirm" and style == "checkin":
        return CheckinPage
    return PAGES[kind]


__all__ = ["PAGES", "StepPage", "page_class"]

"""The voice strip above the bottom bar: one calm card that says, in large words, what voice is doing.

- the voice status from the voice layer (可以说话了, or why voice is off: no model, no microphone,
  switched off) next to a big 按住说话 push-to-talk button (shown only when voice can listen);
- while the resident speaks, the live partial text; then "听到：“……”" in heading size, kept on the
  screen that the words led to and cleared on the screen after;
- a confirmation question ("您是要办理高龄补贴吗？") with two huge 是 / 不是 buttons that answer
  exactly like saying 是 / 不是; it waits without a time limit and goes away with the next screen;
- the kind "没听清，请再说一遍或点按钮" when nothing matched.

It lives in the window's layout (never a pop-up) and knows nothing about Vosk: ui/voice_adapter.py
connects the VoiceBridge's signals to the slots here and `push_to_talk` / `answered` back to it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QWidget

from ui.context import UiContext
from ui.theme import PALETTES, px
from ui.widgets import apply_icons, button, icon_label, label, prop, restyle, set_text

MAX_HEARD_CHARS = 40  # longer dictation shows its end; the text step shows the whole of it
BUTTON_PX = 92  # the strip's buttons, at text scale 1.0 (≥ 64 px targets)
ANSWER_PT = 30  # 是 / 不是 words
ICONS = {
    "ready": "fa5s.microphone",
    "listening": "fa5s.microphone-alt",
    "loading": "fa5s.hourglass-half",
    "off": "fa5s.microphone-slash",
    "heard": "fa5s.comment-dots",
    "question": "fa5s.question-circle",
    "not_understood": "fa5s.redo-alt",
}


def shorten(text: str, limit: int = MAX_HEARD_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


class VoicePanel(QWidget):
    """What voice heard and asks, big, in one fixed place. Signals go to the voice adapter."""

    push_to_talk = Signal(bool)  # pressed / released
    answered = Signal(bool)  # 是 (True) / 不是 (False) tapped
    status_shown = Signal(bool, str, str)  # the voice layer's status, once shown (the window follows it)

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("voicepanel")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 10, 40, 4)
        self.card = QFrame()
        self.card.setProperty("role", "card")
        self.card.setObjectName("voicestrip")
        row = QHBoxLayout(self.card)
        row.setContentsMargins(20, 10, 10, 10)
        row.setSpacing(20)
        self.icon = icon_label(ICONS["off"], "", 48)
        self.text = label("", "voice", wrap=True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.text.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        self.yes_button = button("", "fa5s.check", "primary", lambda: self._answer(True))
        self.no_button = button("", "fa5s.times", "", lambda: self._answer(False))
        self.ptt_button = button("", "fa5s.microphone", "")
        self.ptt_button.pressed.connect(self._ptt_pressed)
        self.ptt_button.released.connect(self._ptt_released)
        for widget in (self.yes_button, self.no_button):
            widget.setProperty("answer", True)
        self.ptt_button.setProperty("ptt", True)
        row.addWidget(self.icon)
        row.addWidget(self.text, 1)
        for widget in (self.yes_button, self.no_button, self.ptt_button):
            row.addWidget(widget)
        outer.addWidget(self.card)
        # what the voice layer last told us; the strip is redrawn from these
        self.available = False
        self.state = "none"  # the voice layer's state; "none" while no voice port is plugged in
        self.status_message = ""
        self.heard = ""
        self.partial = ""
        self.question = ""
        self.notice = ""  # not understood / cancelled
        self.listening = False
        self.keep_heard = False  # set by the window while a voice intent changes the screen
        self.retranslate()

    @property
    def asking(self) -> bool:
        """A yes/no question waits for an answer (shown with its 是 / 不是 buttons)."""
        return bool(self.question) and self.ctx.voice_on

    def setVisible(self, visible: bool) -> None:
        """The window sets the strip aside on a tall screen at the larger text sizes; never while a
        question waits: the 是 / 不是 card must show at every text size (it then draws compact)."""
        super().setVisible(visible or (self.asking and self.ctx.station is not None))

    # -- look -------------------------------------------------------------------------------------
    def apply_theme(self) -> None:
        scale = self.ctx.scale
        height = px(BUTTON_PX, scale)
        self.setStyleSheet(
            f'QPushButton[answer="true"] {{ font-size: {ANSWER_PT * scale:.1f}pt; font-weight: bold;'
            f" min-width: {px(200, scale)}px; min-height: {height}px; padding: 2px 26px; }}\n"
            f'QPushButton[ptt="true"] {{ font-weight: bold; min-height: {height}px; padding: 2px 26px; }}\n'
            f'QLabel[role="voice"] {{ font-weight: bold; }}\n'
        )
        self.card.setFixedHeight(height + 2 * 10 + 4)  # margins and the card's 2 px border
        apply_icons(self, PALETTES[self.ctx.theme], scale)

    def retranslate(self) -> None:
        tr = self.ctx.tr
        set_text(self.yes_button, tr("voice.yes"), tr("voice.yes_name"))
        set_text(self.no_button, tr("voice.no"), tr("voice.no_name"))
        set_text(self.ptt_button, tr("voice.ptt"), tr("voice.ptt_name"))
        self._render()

    # -- from the voice layer ----------------------------------------------------------------------
    def show_status(self, available: bool, state: str, message: str) -> None:
        self.available, self.state, self.status_message = available, state, message
        if not available:
            self.question = ""
            self.listening = False
        self._render()
        self.status_shown.emit(available, state, message)

    def show_partial(self, text: str) -> None:
        self.partial = text.strip()
        if self.partial:
            self.notice = ""
        self._render()

    def show_heard(self, text: str, dictation: bool = False) -> None:
        del dictation  # dictation is shown in full by the text step; here it is what was heard, too
        self.partial = ""
        self.notice = ""
        self.question = ""  # any utterance answers a pending question
        if text.strip():
            self.heard = shorten(text)
        self._render()

    def ask(self, intent: str, question: str) -> None:
        del intent
        self.question = question
        self.notice = ""
        self._render()
        self.setVisible(self.isVisible())  # shows the strip if the window had set it aside

    def show_not_understood(self, message: str) -> None:
        self.notice = message
        self.question = ""
        self._render()

    # -- from the window ---------------------------------------------------------------------------
    def screen_changed(self) -> None:
        """A new screen: the question is void (the voice layer forgets it too); the heard words stay
        only on the screen they led to."""
        self.question = ""
        self.notice = ""
        self.partial = ""
        if not self.keep_heard:
            self.heard = ""
        self._render()

    def clear(self) -> None:
        self.heard = self.partial = self.question = self.notice = ""
        self._render()

    # -- touch ------------------------------------------------------------------------------------
    def _answer(self, yes: bool) -> None:
        self.question = ""
        self.notice = "" if yes else self.ctx.tr("voice.cancelled")
        self._render()
        self.answered.emit(yes)

    def _ptt_pressed(self) -> None:
        self.listening = True
        self.heard = self.notice = ""
        self._render()
        self.push_to_talk.emit(True)

    def _ptt_released(self) -> None:
        self.listening = False
        self._render()
        self.push_to_talk.emit(False)

    # -- drawing ---------------------------------------------------------------------------------
    @property
    def can_listen(self) -> bool:
        return self.available and self.ctx.voice_on

    def _status_line(self) -> tuple[str, str]:
        if not self.ctx.voice_on:
            return "off", self.ctx.tr("voice.switched_off")
        if self.state == "none":
            return "off", self.ctx.tr("voice.not_started")
        if self.available:
            return "ready", self.status_message
        return ("loading" if self.state == "loading" else "off"), self.status_message

    def _render(self) -> None:
        tr = self.ctx.tr
        asking = bool(self.question) and self.ctx.voice_on
        if asking:
            icon, text, role = "question", self.question, "h2"
        elif self.partial and self.ctx.voice_on:
            icon, text, role = "listening", tr("voice.hearing", text=shorten(self.partial)), "h2"
        elif self.listening:
            icon, text, role = "listening", tr("voice.listening"), "voice"
        elif self.notice:
            icon, text, role = "not_understood", self.notice, "voice"
        elif self.heard:
            icon, text, role = "heard", tr("voice.heard", text=self.heard), "h2"
        else:
            icon, text = self._status_line()
            role = "voice"
        set_text(self.text, text, tr("voice.status_name", text=text))
        if prop(self.text, "role") != role:
            self.text.setProperty("role", role)
            restyle(self.text)
        if prop(self.icon, "icon_name") != ICONS[icon]:
            self.icon.setProperty("icon_name", ICONS[icon])
            apply_icons(self.icon, PALETTES[self.ctx.theme], self.ctx.scale)
        self.yes_button.setVisible(asking)
        self.no_button.setVisible(asking)
        self.ptt_button.setVisible(self.can_listen and not asking)

"""What the kiosk says or shows about voice, per locale (zh_CN, en, ko)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "no_model": {
        "zh_CN": "语音功能已关闭：还没有安装语音模型。请用手指点按屏幕，或请工作人员安装。",
        "en": (
            "Voice is off: the speech model is not installed. Please use the touch screen or ask a volunteer."
        ),
        "ko": "음성 기능이 꺼져 있습니다: 음성 모델이 설치되지 않았습니다. 화면을 눌러 주세요.",
    },
    "broken_model": {
        "zh_CN": "语音功能已关闭：语音模型损坏，请工作人员重新安装。请用手指点按屏幕。",
        "en": "Voice is off: the speech model is damaged. Please use the touch screen.",
        "ko": "음성 기능이 꺼져 있습니다: 음성 모델이 손상되었습니다. 화면을 눌러 주세요.",
    },
    "no_microphone": {
        "zh_CN": "语音功能已关闭：没有找到麦克风。请用手指点按屏幕。",
        "en": "Voice is off: no microphone was found. Please use the touch screen.",
        "ko": "음성 기능이 꺼져 있습니다: 마이크를 찾을 수 없습니다. 화면을 눌러 주세요.",
    },
    "loading": {
        "zh_CN": "语音功能正在准备，请稍候，也可以直接点按屏幕。",
        "en": "Voice is getting ready; you can use the touch screen meanwhile.",
        "ko": "음성 기능을 준비하고 있습니다. 화면을 눌러 사용하셔도 됩니다.",
    },
    "ready": {"zh_CN": "可以说话了", "en": "You can speak now", "ko": "말씀하세요"},
    "not_understood": {
        "zh_CN": "没听清，请再说一遍或点按钮",
        "en": "Sorry, I didn't catch that. Please say it again or tap a button.",
        "ko": "잘 못 들었어요. 다시 말씀하시거나 버튼을 눌러 주세요.",
    },
    "confirm": {"zh_CN": "您是要办理{label}吗？", "en": "Do you want {label}?", "ko": "{label}, 맞으세요?"},
    "confirm_command": {
        "zh_CN": "您是说“{label}”吗？",
        "en": "Did you say “{label}”?",
        "ko": "“{label}”라고 하셨어요?",
    },
    "hint": {
        "zh_CN": "您好！可以说：查养老金、申请补贴、开证明。有急事就说“救命”。",
        "en": "Hello! You can say: my pension, a subsidy, a certificate. In an emergency say “help”.",
        "ko": "안녕하세요! 연금, 보조금, 증명서라고 말씀하세요. 급하면 “도와주세요”라고 하세요.",
    },
    "offer_help": {
        "zh_CN": "还是没听清。要叫工作人员来帮您吗？",
        "en": "Sorry, I still didn't catch that. Shall I call a staff member to help you?",
        "ko": "잘 못 알아들었어요. 직원을 불러 드릴까요?",
    },
    "cancelled": {
        "zh_CN": "好的，请再说一遍或点按钮",
        "en": "All right. Please say it again or tap a button.",
        "ko": "알겠습니다. 다시 말씀해 주세요.",
    },
}


def message(key: str, locale: str, **values: str) -> str:
    texts = MESSAGES[key]
    return (texts.get(locale) or texts["zh_CN"]).format(**values)

// The on-screen keyboard embedded in a QQuickWidget (ui/keyboard.py). The panel is created only
// after the settings are applied, so it starts in the kiosk's language.
import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

Item {
    id: root
    property string kioskLocale: "zh_CN"
    onKioskLocaleChanged: VirtualKeyboardSettings.locale = kioskLocale
    // Called queued from Python (KeyboardPanel.set_locale): the new layout compiles off the GIL.
    function useLocale(locale) { kioskLocale = locale }

    Component { id: panelComponent; InputPanel { objectName: "inputPanel"; active: true } }
    Loader {
        id: loader
        objectName: "panelLoader"
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        active: false
        sourceComponent: panelComponent
    }
    Component.onCompleted: {
        VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US", "ko_KR"]
        // The keyboard's own small hide key would do nothing here (the panel is always active inside
        // the dock); the dock's big 收起键盘 button does that job. The language (globe) key stays.
        VirtualKeyboardSettings.visibleFunctionKeys = QtVirtualKeyboard.KeyboardFunctionKeys.Language
        VirtualKeyboardSettings.locale = kioskLocale
        loader.active = true
    }
}

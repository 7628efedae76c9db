"""Name a device from its User-Agent: "browser on OS", for the signed-in devices list.

Hand-written on purpose: ua-parser 1.0.2 (uap-core) names WeChat on Android "Chrome
Mobile WebView", the commonest browser of our users, and its first parse in a process
compiles every rule (~450 ms here). Only the families people recognise are named.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# First match wins: in-app browsers and vendor browsers before the engines they embed.
_BROWSERS = (
    ("wxwork/", "WeCom"),  # WeCom's view also says MicroMessenger
    ("MicroMessenger/", "WeChat"),
    ("DingTalk", "DingTalk"),
    ("MQQBrowser", "QQ Browser"),
    ("QQBrowser", "QQ Browser"),
    ("UCBrowser", "UC Browser"),
    ("HuaweiBrowser", "Huawei Browser"),
    ("HeyTapBrowser", "OPPO Browser"),
    ("VivoBrowser", "vivo Browser"),
    ("MiuiBrowser", "Xiaomi Browser"),
    ("Quark/", "Quark"),
    ("baiduboxapp", "Baidu"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("HarmonyOS", "HarmonyOS"),
    ("OpenHarmony", "HarmonyOS"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("iPod", "iOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_WEBVIEW = re.compile(r"; wv\)")


class Device(NamedTuple):
    """What a User-Agent says: browser family and operating system (None when unknown)."""

    browser: str | None
    system: str | None


def describe(user_agent: str | None) -> Device:
    """Return the browser and operating system a User-Agent names."""
    text = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in text), None)
    if browser == "Chrome" and _WEBVIEW.search(text):
        browser = None  # an app's embedded view: the app is unknown, the OS says enough
    system = next((name for token, name in _SYSTEMS if token in text), None)
    return Device(browser, system)


_NAMES = {
    "WeChat": _l("WeChat"),
    "WeCom": _l("WeCom"),
    "DingTalk": _l("DingTalk"),
    "QQ Browser": _l("QQ Browser"),
    "UC Browser": _l("UC Browser"),
    "Huawei Browser": _l("Huawei Browser"),
    "OPPO Browser": _l("OPPO Browser"),
    "vivo Browser": _l("vivo Browser"),
    "Xiaomi Browser": _l("Xiaomi Browser"),
    "Quark": _l("Quark"),
    "Baidu": _l("Baidu app"),
    "HarmonyOS": _l("HarmonyOS"),
}


def _name(family: str) -> str:
    return str(_NAMES.get(family, family))


def label(user_agent: str | None) -> str:
    """Return "browser on OS" for a User-Agent, in the current language."""
    device = describe(user_agent)
    if device.browser and device.system:
        return _(
            "%(browser)s on %(system)s", browser=_name(device.browser), system=_name(device.system)
        )
    known = device.browser or device.system
    if known:
        return _name(known)
    return _("Unknown browser")

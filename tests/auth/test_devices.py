"""Naming a device from its User-Agent for the signed-in devices list."""

from __future__ import annotations

import pytest

from portal.auth.devices import Device, describe

UA = {
    "wechat_android": (
        "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 "
        "MicroMessenger/8.0.35.2360(0x2800235B) WeChat/arm64 Weixin NetType/WIFI"
    ),
    "wechat_iphone": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 MicroMessenger/8.0.43(0x18002b2c) NetType/WIFI"
    ),
    "wecom": (
        "Mozilla/5.0 (Linux; Android 12; wv) AppleWebKit/537.36 Chrome/99.0 Mobile Safari/537.36 "
        "wxwork/4.1.16 MicroMessenger/7.0.1 Language/zh"
    ),
    "huawei": (
        "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.11.0.302) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.3.300 "
        "Mobile Safari/537.36"
    ),
    "edge_windows": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"
    ),
    "safari_mac": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.1 Safari/605.1.15"
    ),
    "android_webview": (
        "Mozilla/5.0 (Linux; Android 11; M2012K11AC; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/100.0.4896.127 Mobile Safari/537.36"
    ),
}


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (UA["wechat_android"], Device("WeChat", "Android")),
        (UA["wechat_iphone"], Device("WeChat", "iOS")),
        (UA["wecom"], Device("WeCom", "Android")),
        (UA["huawei"], Device("Huawei Browser", "HarmonyOS")),
        (UA["edge_windows"], Device("Edge", "Windows")),
        (UA["safari_mac"], Device("Safari", "macOS")),
        (UA["android_webview"], Device(None, "Android")),
        ("curl/8.5.0", Device(None, None)),
        ("", Device(None, None)),
        (None, Device(None, None)),
    ],
)
def test_describe_names_browser_and_system(agent, device):
    """The browser people recognise (in-app ones first) and the operating system."""
    assert describe(agent) == device

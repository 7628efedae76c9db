"""The login throttle's rules, table-tested: which windows block an attempt, and for how long."""

from __future__ import annotations

import pytest
from limits import parse_many
from limits.util import WindowStats

from portal.auth.throttle import (
    Policy,
    Windows,
    account_key,
    address_key,
    minutes_to_wait,
    normalise_name,
    seconds_to_wait,
)

NOW = 1_000_000.0
SECRET = "s" * 32  # noqa: S105 - test only


def free(resets_in: float = 60) -> WindowStats:
    """A window with failures left."""
    return WindowStats(NOW + resets_in, 2)


def used_up(resets_in: float) -> WindowStats:
    """A window with no failures left, reset `resets_in` seconds from now."""
    return WindowStats(NOW + resets_in, 0)


@pytest.mark.parametrize(
    ("case", "windows", "expected"),
    [
        ("nothing failed", Windows([free(), free(3600)], [free()], [free(86400)], False), 0),
        ("pair minute used up", Windows([used_up(42), free(3600)], [free()], [], False), 42),
        ("pair hour used up", Windows([free(), used_up(1800)], [free()], [], False), 1800),
        (
            "both pair windows used up: the later reset",
            Windows([used_up(30), used_up(1800)], [free()], [], False),
            1800,
        ),
        ("address used up", Windows([free()], [used_up(10)], [], False), 10),
        (
            "account ceiling used up, address never failed for it: the owner may try",
            Windows([free()], [free()], [used_up(80_000)], False),
            0,
        ),
        (
            "account ceiling used up, address has failed for it",
            Windows([free()], [free()], [used_up(80_000)], True),
            80_000,
        ),
        (
            "address failed for the account, ceiling not reached",
            Windows([free()], [free()], [free(80_000)], True),
            0,
        ),
        ("a fraction of a second rounds up", Windows([used_up(0.2)], [], [], False), 1),
        ("a used-up window past its reset: one second", Windows([used_up(-1)], [], [], False), 1),
        ("no limits configured", Windows([], [], [], True), 0),
    ],
)
def test_seconds_to_wait(case, windows, expected):
    """An attempt waits until every window that blocks it has reset, and only those block."""
    assert seconds_to_wait(windows, NOW) == expected, case


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(1, 1), (59, 1), (60, 1), (61, 2), (180, 3), (3600, 60), (86_400, 1440)],
)
def test_minutes_to_wait_rounds_up(seconds, minutes):
    """The message never promises a shorter wait than the real one."""
    assert minutes_to_wait(seconds) == minutes


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        (" 13800000001 ", "13800000001"),
        ("１３８００００００01", "13800000001"),  # full-width digits from a Chinese keyboard
        ("gl2020-0001", "GL2020-0001"),
        ("ＧＬ２０２０－０００１", "GL2020-0001"),
    ],
)
def test_unknown_names_that_look_alike_count_as_one(typed, same_as):
    """Variants of one unknown typed name share a key, so they cannot be used to count apart."""
    assert normalise_name(typed) == normalise_name(same_as)
    assert account_key(None, typed, SECRET) == account_key(None, same_as, SECRET)


def test_account_key_names_the_user_whatever_was_typed():
    """A known account is keyed by its user, so phone and staff number count together."""
    assert account_key(7, "13800000001", SECRET) == account_key(7, "GL-7", SECRET) == "user:7"
    assert account_key(None, "13800000001", SECRET) != account_key(None, "13800000002", SECRET)


def test_typed_names_are_not_stored_as_typed():
    """A password typed into the name field does not end up readable in the counters' store."""
    key = account_key(None, "My-secret-pass-1", SECRET)
    assert "secret" not in key.lower() and key.startswith("name:")


@pytest.mark.parametrize(
    ("remote_addr", "key"),
    [
        ("127.0.0.2", "127.0.0.2"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),  # same subscriber's /64
        ("::ffff:127.0.0.2", "127.0.0.2"),
        (None, "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_address_key(remote_addr, key):
    """IPv6 addresses of one /64 count as one address; IPv4-mapped ones as their IPv4."""
    assert address_key(remote_addr) == key


def test_policy_reads_limits_notation_and_empty_means_none():
    """The configured strings become windows; an empty one switches that limit off."""
    policy = Policy.from_config(
        {
            "LOGIN_FAILURES_PER_ACCOUNT_ADDRESS": "5 per minute;20 per hour",
            "LOGIN_FAILURES_PER_ADDRESS": "30/minute",
            "LOGIN_FAILURES_PER_ACCOUNT": "",
        }
    )
    assert policy.per_account_address == tuple(parse_many("5 per minute;20 per hour"))
    assert [(i.amount, i.get_expiry()) for i in policy.per_address] == [(30, 60)]
    assert policy.per_account == ()


def test_policy_refuses_a_malformed_limit():
    """A typo in the configuration stops the app at start, not at the first login."""
    with pytest.raises(ValueError, match="couldn't parse"):
        Policy.from_config({"LOGIN_FAILURES_PER_ADDRESS": "thirty a minute"})

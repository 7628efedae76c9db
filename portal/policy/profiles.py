"""Policy profiles: the place-dependent numbers behind the rules, held as data.

A profile is a TOML file in ``portal/policy/profiles/``; each value in it cites the
seed section it comes from. Loading validates the whole file strictly
(``portal.policy.parsing``), so a typo or an impossible value stops the app at start-up
with a message naming the file and the key. What a profile holds is typed in
``portal.policy.model``.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

# The names callers import from here; the others live in portal.policy.model only.
from portal.policy.model import (
    MAX_GRADE,
    MIN_GRADE,
    PROFILE_CODE,
    PolicyProfile,
    ProfileError,
    SecondmentPolicy,
    TrainingMode,
)
from portal.policy.parsing import ProfileParser

__all__ = [
    "DEFAULT_PROFILE",
    "MAX_GRADE",
    "MIN_GRADE",
    "PROFILE_DIR",
    "PolicyProfile",
    "ProfileError",
    "SecondmentPolicy",
    "TrainingMode",
    "available_profiles",
    "load_profile",
    "load_profile_file",
]

DEFAULT_PROFILE = "national"
PROFILE_DIR = Path(__file__).with_name("profiles")


def load_profile_file(path: Path | str) -> PolicyProfile:
    """Read and validate one profile file; raise ProfileError naming file and key."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ProfileError(f"{path}: profile file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    return ProfileParser(path).profile(raw)


@cache
def load_profile(code: str) -> PolicyProfile:
    """Return the profile stored as ``profiles/<code>.toml`` (cached)."""
    if not isinstance(code, str) or not PROFILE_CODE.match(code):
        raise ProfileError(f"invalid profile code {code!r}")
    path = PROFILE_DIR / f"{code}.toml"
    if not path.is_file():
        known = ", ".join(c for c, _ in available_profiles())
        raise ProfileError(f"unknown profile {code!r}; available: {known}")
    profile = load_profile_file(path)
    if profile.code != code:
        raise ProfileError(f"{path}: code: {profile.code!r} does not match the file name")
    return profile


def available_profiles() -> list[tuple[str, str]]:
    """List (code, Chinese name) of every stored profile, the default first."""
    found = []
    for path in PROFILE_DIR.glob("*.toml"):
        profile = load_profile(path.stem)
        found.append((profile.code, profile.name))
    return sorted(found, key=lambda item: (item[0] != DEFAULT_PROFILE, item[0]))

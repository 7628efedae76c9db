"""Policy profiles (data) and the pure rules that read them.

``profiles`` loads a place's numbers (``profiles/*.toml``, checked by ``parsing`` into the
types of ``model``); ``rules`` are the pure functions over them.
"""

from portal.policy.profiles import load_profile

__all__ = ["load_profile"]

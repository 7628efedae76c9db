"""Notifications: reminder rules, issuing exactly once, delivery channels, the scheduler.

The inbox record (models, reads, writes, the words) lives in ``portal.inbox``; this
package decides what is due, writes it there once, delivers it over web push and
WeCom, and serves the inbox pages that drive it (``notifications.views``).
"""

# The app package first: its blueprints import modules of this package, so importing,
# say, notifications.deliver before portal would otherwise meet a half-imported module.
import portal  # noqa: F401

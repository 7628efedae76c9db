"""The inbox pages moved to ``notifications.views`` (beside the engine they drive).

Only ``create_app`` still imports the blueprint from here; once it imports
``notifications.views``, this module goes, and with it the last import from
``portal.inbox`` of ``notifications``.
"""

from notifications.views import bp

__all__ = ["bp"]

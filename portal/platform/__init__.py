"""Setting up a district: its organisation tree and admin accounts.

Used by operators (CLI) now and by the platform admin pages later.
"""

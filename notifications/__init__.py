"""Notifications: the inbox, web push (pywebpush, VAPID) and reminder scheduling.

A skeleton for now; the PWA and reminders issue fills it in.
"""

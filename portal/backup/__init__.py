"""Backup and restore of a whole instance: database, secrets, uploads, with a manifest.

``flask --app portal backup DIR`` and ``flask --app portal restore DIR [--force]``
(``portal.backup.cli``). A backup is a folder:

* ``database.sqlite`` (SQLite's online backup API) or ``database.pgdump`` (``pg_dump``
  in custom format, taken in the same snapshot as the row counts);
* ``secret_key`` and ``vapid_private.pem`` when they live in the instance folder (keys
  given in the environment are not copied: the manifest says so);
* ``uploads/`` (proof photos, receipts);
* ``manifest.json``, written last: app version, migration head, row counts, and the
  size and SHA-256 of every file.
"""

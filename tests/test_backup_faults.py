"""Backup faults: a file that cannot be copied, a backup killed midway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

from portal.extensions import db
from tests import factories
from tests.test_backup import instance, run


def test_an_upload_that_cannot_be_copied_fails_the_backup_cleanly(tmp_path):
    """Fault: a named pipe in uploads. The backup says why, exits 1, leaves no folder."""
    with instance(tmp_path, "source") as source:
        uploads = Path(source.config["UPLOAD_FOLDER"])
        uploads.mkdir(parents=True)
        os.mkfifo(uploads / "stuck")
        failed = run(source, "backup", str(tmp_path / "b"))
    assert failed.exit_code == 1, failed.output
    assert "备份失败" in failed.output and "Traceback" not in failed.output
    assert not (tmp_path / "b").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def _backup_process(app: Flask, folder: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        PORTAL_INSTANCE_PATH=app.instance_path,
        PORTAL_SECRET_KEY="",
    )
    command = [sys.executable, "-m", "flask", "--app", "portal", "backup", str(folder)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def test_a_backup_killed_midway_never_looks_complete(tmp_path):
    """Fault: SIGKILL while the backup runs. The folder is absent or whole, never half."""
    with instance(tmp_path, "source") as source, instance(tmp_path, "target") as target:
        with source.app_context():
            factories.new_worker(factories.new_street().communities[0])
            db.session.commit()
        uploads = Path(source.config["UPLOAD_FOLDER"])
        uploads.mkdir(parents=True)
        (uploads / "big.bin").write_bytes(os.urandom(8 * 1024 * 1024))
        process = _backup_process(source, tmp_path / "b")
        while not [p for p in tmp_path.iterdir() if ".partial" in p.name or p.name == "b"]:
            assert process.poll() is None, "the backup ended without a folder"
        process.kill()
        process.wait(timeout=30)

        if (tmp_path / "b").exists():  # it had finished: then it is a whole backup
            assert run(target, "restore", str(tmp_path / "b")).exit_code == 0
        else:
            partial = [p for p in tmp_path.iterdir() if ".partial" in p.name]
            assert partial and not (partial[0] / "manifest.json").exists()
            refused = run(target, "restore", str(partial[0]))
            assert refused.exit_code == 1 and "manifest.json" in refused.output
        again = run(source, "backup", str(tmp_path / "b2"))
        assert again.exit_code == 0, again.output

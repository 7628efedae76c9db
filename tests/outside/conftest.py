"""Fixtures for outside training: a worker with a street admin, and uploads on disk."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from portal.enums import Role, TrainingKind
from portal.outside import operations
from portal.timeutil import local_today
from tests.outside import files


@pytest.fixture(scope="session")
def _test_upload_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(autouse=True)
def upload_dir(app, _test_upload_folder, monkeypatch) -> Path:
    """The folder where uploads are stored: a temporary one, never the real instance."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(_test_upload_folder))
    return _test_upload_folder


@pytest.fixture
def stored_files(upload_dir):
    """Return the set of file names currently stored."""

    def names() -> set[str]:
        return {p.name for p in upload_dir.iterdir()} if upload_dir.exists() else set()

    return names


class Team:
    """A street and its people, each made on first use (hashing passwords takes time)."""

    def __init__(self, make_street, make_worker, make_user) -> None:
        self._make_worker, self._make_user = make_worker, make_user
        self.street = make_street()

    @cached_property
    def worker(self):
        """A worker of the street."""
        return self._make_worker(street=self.street)

    @cached_property
    def colleague(self):
        """Another worker of the same street."""
        return self._make_worker(street=self.street)

    @cached_property
    def trainer(self):
        """A trainer of the street (no worker profile)."""
        return self._make_user(Role.TRAINER, street=self.street)

    @cached_property
    def admin(self):
        """The street's admin."""
        return self._make_user(Role.STREET_ADMIN, street=self.street)


@pytest.fixture
def street_team(make_street, make_worker, make_user) -> Team:
    """A street with a worker, a colleague, a trainer and the street admin."""
    return Team(make_street, make_worker, make_user)


@pytest.fixture
def submit_direct(db):
    """Submit outside training through the operation (a real stored file), for a worker."""

    def submit(worker, *, hours="4", completed_on=None, data=None, filename="证书.png"):
        payload = {
            "title": "线上课程：社区治理",
            "kind": TrainingKind.ONLINE,
            "organiser": "省民政厅",
            "hours": Decimal(hours),
            "completed_on": completed_on or local_today(),
        }
        file = FileStorage(stream=io.BytesIO(data or files.png()), filename=filename)
        submission = operations.submit_outside_training(payload, file, actor=worker.user)
        db.session.flush()
        return submission

    return submit

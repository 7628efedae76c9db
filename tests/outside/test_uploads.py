"""Proof files are served only to their owner and the owner's street admin, as inert files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.enums import Role
from portal.models import Upload
from portal.uploads import storage
from tests.helpers import login
from tests.outside import files


@pytest.fixture
def proof(street_team, submit_direct, db):
    """A stored photo proof of the street team's worker."""
    return submit_direct(street_team.worker, data=files.jpeg_with_gps(), filename="我的证书.jpeg")


def _viewer(who, street_team, make_street, make_worker, make_user):
    other_street = None
    if who in {"other street admin", "worker of other street"}:
        other_street = make_street()
    return {
        "owner": lambda: street_team.worker.user,
        "street admin": lambda: street_team.admin,
        "colleague": lambda: street_team.colleague.user,
        "trainer": lambda: street_team.trainer,
        "other street admin": lambda: make_user(Role.STREET_ADMIN, street=other_street),
        "worker of other street": lambda: make_worker(street=other_street).user,
        "admin without street": lambda: make_user(Role.STREET_ADMIN),
    }[who]()


ACCESS = [
    ("owner", 200),
    ("street admin", 200),
    ("colleague", 404),
    ("trainer", 404),
    ("other street admin", 404),
    ("worker of other street", 404),
    ("admin without street", 404),
]


@pytest.mark.parametrize(("who", "status"), ACCESS)
def test_access_matrix(
    client, street_team, proof, make_street, make_worker, make_user, who, status
):
    """Only the owner and their street's admin may open a proof; everyone else gets 404."""
    user = _viewer(who, street_team, make_street, make_worker, make_user)
    login(client, user.phone)
    response = client.get(f"/uploads/{proof.proof_id}")
    assert response.status_code == status
    if status == 200:
        assert response.data[:3] == b"\xff\xd8\xff"


def test_headers_make_the_file_inert(client, street_team, proof):
    """The file comes with its sniffed type, nosniff, inline disposition and no caching."""
    login(client, street_team.worker.user.phone)
    response = client.get(f"/uploads/{proof.proof_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''%E6%88%91%E7%9A%84%E8%AF%81%E4%B9%A6.jpg" in disposition
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp


def test_served_photo_has_no_gps(client, street_team, proof):
    """What the street admin downloads carries no GPS position of the worker's phone."""
    login(client, street_team.admin.phone)
    served = client.get(f"/uploads/{proof.proof_id}").data
    assert not Image.open(io.BytesIO(served)).getexif().get_ifd(0x8825)


def test_pdf_is_served_as_pdf(client, street_team, submit_direct):
    """A PDF proof is downloaded (attachment), typed application/pdf, sandboxed, named .pdf."""
    submission = submit_direct(street_team.worker, data=files.pdf(), filename="cert.exe")
    login(client, street_team.admin.phone)
    response = client.get(f"/uploads/{submission.proof_id}")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=cert.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.data.startswith(b"%PDF-")


def test_name_stored_with_bidi_controls_is_served_without_them(client, db, street_team, proof):
    """A name stored before the cleaning (with U+202E) is sent without its bidi control."""
    upload = db.session.get(Upload, proof.proof_id)
    upload.original_name = "报告\u202egpj.exe.jpg"
    db.session.commit()
    login(client, street_team.admin.phone)
    disposition = client.get(f"/uploads/{proof.proof_id}").headers["Content-Disposition"]
    assert "%E2%80%AE" not in disposition  # U+202E, percent-encoded
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8Agpj.exe.jpg" in disposition


def test_name_stored_with_bidi_controls_is_shown_without_them(client, db, street_team, proof):
    """The review page shows a name stored before the cleaning without its U+202E."""
    upload = db.session.get(Upload, proof.proof_id)
    upload.original_name = "报告\u202egpj.exe.jpg"
    db.session.commit()
    login(client, street_team.admin.phone)
    page = client.get("/street/outside-training").get_data(as_text=True)
    assert "\u202e" not in page
    assert "报告gpj.exe.jpg" in page


def test_unknown_upload_is_404(client, street_team):
    """An id that does not exist answers 404, like one that is not yours."""
    login(client, street_team.admin.phone)
    assert client.get("/uploads/999999999").status_code == 404


def test_files_live_under_random_names(proof, upload_dir):
    """The file is stored in the upload folder under a random key, not the user's name."""
    path = upload_dir / proof.proof.storage_key
    assert path.is_file()
    assert "证书" not in path.name and len(path.name) == 32


def test_default_folder_is_in_the_instance_not_static(app, monkeypatch):
    """Without configuration, uploads go to <instance>/uploads, outside static/."""
    monkeypatch.delitem(app.config, "UPLOAD_FOLDER")
    with app.app_context():
        folder = storage.folder()
    assert folder == Path(app.instance_path) / "uploads"
    assert not folder.is_relative_to(app.static_folder)


def test_file_is_removed_when_the_row_cannot_be_saved(db, street_team, submit_direct, stored_files):
    """If the database refuses the submission after the file was written, the file goes too."""
    worker = street_team.worker
    before = stored_files()
    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.IntegrityError):
        submit_direct(worker, hours="300")  # the hours_range check constraint refuses it
    savepoint.rollback()
    assert stored_files() == before

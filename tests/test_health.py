"""The health endpoint."""


def test_healthz_reports_database(client):
    """GET /healthz answers 200 with the database reachable."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"


def test_healthz_reports_unreachable_database(tmp_path):
    """When the database cannot be reached, /healthz says so with 503."""
    from tests.conftest import make_test_app

    missing = tmp_path / "no-such-dir" / "portal.db"
    app = make_test_app(f"sqlite:///{missing}", str(tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {
        "status": "error",
        "database": "unreachable",
        "error": "OperationalError",
    }

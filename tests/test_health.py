"""The health endpoint."""


def test_healthz_reports_database(client):
    """GET /healthz answers 200 with the database reachable."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"

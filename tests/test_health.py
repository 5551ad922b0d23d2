"""/health/ tells a load balancer or an operator whether the database and broker answer."""

from __future__ import annotations

import pytest
from django.test import Client

from config import health


@pytest.mark.django_db
def test_health_answers_without_signing_in_with_the_state_of_database_and_broker(
    client: Client,
) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_health_reports_a_broker_that_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 1 on loopback refuses connections: a broker that is down.
    monkeypatch.setattr(health, "broker_url", lambda: "redis://127.0.0.1:1/0")
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"
    assert response.json()["database"] == "ok"

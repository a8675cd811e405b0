"""A regression model behind the gateway: its answer is a value, its feedback the true value
(however late; the detector judges MAE and RMSE, tests/unit/test_regression_errors.py); a
class sent for a value is a 4xx that consumes nothing."""

from __future__ import annotations

from tests.conftest import LiveServer


def test_values_answered_and_true_values_recorded(live_server: LiveServer) -> None:
    api = live_server.client(live_server.admin_token)
    api.post("/api/v1/services", json={"name": "prices"}).raise_for_status()
    body = {"version": "v1", "artifact": "tests.support.models:price"}
    api.post("/api/v1/services/prices/versions", json=body).raise_for_status()
    client = live_server.client()
    answer = client.post("/v1/models/prices/predict", json={"features": [1.0, 2.5]}).json()
    assert answer["prediction"] == 3.5 and answer["probability"] is None
    url = "/v1/models/prices/feedback"
    wrong = client.post(url, json={"request_id": answer["request_id"], "label": 1})
    assert wrong.status_code == 422 and "send value" in wrong.text
    neither = client.post(url, json={"request_id": answer["request_id"]})
    assert neither.status_code == 422 and "exactly one of label" in neither.text
    ok = client.post(url, json={"request_id": answer["request_id"], "value": 4.0})
    assert ok.status_code == 200 and ok.json()["version"] == "v1"
    again = client.post(url, json={"request_id": answer["request_id"], "value": 4.0})
    assert again.status_code == 409

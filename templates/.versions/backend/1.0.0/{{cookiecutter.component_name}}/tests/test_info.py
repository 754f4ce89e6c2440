from fastapi.testclient import TestClient

from {{ cookiecutter.component_name | python_module }}.main import app


def test_info_names_the_service_and_its_version() -> None:
    client = TestClient(app)

    response = client.get({{ (cookiecutter.parameters.apiPrefix ~ "/info") | json_str }})

    assert response.status_code == 200
    assert response.json() == {
        "name": {{ cookiecutter.component_name | json_str }},
        "version": "0.1.0",
    }


def test_health_answers_ok() -> None:
    response = TestClient(app).get("/health")

    assert response.json() == {"status": "ok"}

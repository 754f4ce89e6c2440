"""HTTP API of {{ cookiecutter.component_name }}.

- `GET {{ cookiecutter.parameters.apiPrefix }}/info`: the service's name and version
- `GET /health`: liveness
"""

from fastapi import FastAPI
from pydantic import BaseModel

SERVICE_NAME = {{ cookiecutter.component_name | json_str }}
SERVICE_VERSION = "0.1.0"
API_PREFIX = {{ cookiecutter.parameters.apiPrefix | json_str }}


class ServiceInfo(BaseModel):
    name: str
    version: str


app = FastAPI(title=SERVICE_NAME, version=SERVICE_VERSION)


@app.get(f"{API_PREFIX}/info")
def info() -> ServiceInfo:
    return ServiceInfo(name=SERVICE_NAME, version=SERVICE_VERSION)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}

"""Table API and Service Catalog API calls through pysnow, with failures turned into
Transient/PermanentError.

Every call builds a fresh pysnow Resource: a Resource keeps the parameters of its last `get()`
and would send them with later writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import pysnow
import requests
from pysnow.exceptions import EmptyContent, MissingResult, MultipleResults, ResponseError

from landingzone.integrations.base import PermanentError, TransientError
from landingzone.integrations.retry_after import retry_after
from landingzone.integrations.servicenow.config import ServiceNowSettings

SYSTEM = "servicenow"
Row = dict[str, Any]
_SAFE_SYS_ID = re.compile(r"^[A-Za-z0-9._-]{2,64}$")


def check_sys_id(sys_id: str) -> str:
    if not _SAFE_SYS_ID.fullmatch(sys_id):
        raise PermanentError(SYSTEM, "not a sys_id")
    return sys_id


def query_value(value: str) -> str:
    """A value safe inside an encoded query, where `^` separates conditions."""
    if "^" in value or "\n" in value or "\r" in value:
        raise PermanentError(SYSTEM, "value cannot be used in an encoded query")
    return value


def _error_message(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
        # The detail says why a business rule or data policy aborted the write.
        reason = " ".join(str(error.get(key) or "") for key in ("message", "detail"))
        detail = " ".join(reason.split())[:300]
    except (ValueError, AttributeError):
        detail = ""
    return f"HTTP {response.status_code}" + (f" {detail}" if detail else "")


@contextmanager
def translated_errors(action: str) -> Iterator[None]:
    try:
        yield
    except requests.HTTPError as error:
        response = error.response
        if response is None:
            raise TransientError(SYSTEM, f"{action}: no response") from None
        message = f"{action}: {_error_message(response)}"
        status = response.status_code
        if status >= 500 or status in (408, 429):
            delay = retry_after(status, response.headers)
            raise TransientError(SYSTEM, message, retry_after=delay) from None
        raise PermanentError(SYSTEM, message) from None
    except (requests.ConnectionError, requests.Timeout) as error:
        raise TransientError(SYSTEM, f"{action}: {type(error).__name__}") from None
    except (MissingResult, EmptyContent, ValueError) as error:
        raise TransientError(
            SYSTEM, f"{action}: unexpected answer ({type(error).__name__})"
        ) from None
    except (ResponseError, MultipleResults) as error:
        raise PermanentError(SYSTEM, f"{action}: {type(error).__name__}") from None
    except requests.RequestException as error:
        raise TransientError(SYSTEM, f"{action}: {type(error).__name__}") from None


CATALOG_API = "/api/sn_sc"


class ServiceNowClient:
    def __init__(self, config: ServiceNowSettings, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self._client = pysnow.Client(
            host=config.host,
            user=config.username,
            password=config.password.get_secret_value(),
            use_ssl=config.use_ssl,
        )

    def _resource(self, table: str) -> Any:
        return self._client.resource(api_path=f"/table/{table}", timeout=self._timeout_s)

    def find(self, table: str, query: str, fields: Sequence[str]) -> list[Row]:
        with translated_errors(f"query {table}"):
            response = self._resource(table).get(
                query=query, fields=list(fields), exclude_reference_link=True
            )
            return cast(list[Row], response.all())

    def create(self, table: str, values: Mapping[str, str]) -> Row:
        with translated_errors(f"create {table}"):
            return cast(Row, self._resource(table).create(payload=dict(values)).one())

    def patch(self, table: str, sys_id: str, values: Mapping[str, str]) -> Row:
        path = f"/{check_sys_id(sys_id)}"
        with translated_errors(f"update {table}"):
            response = self._resource(table).request("PATCH", path_append=path, json=dict(values))
            return cast(Row, response.one())

    def catalog_items(self, text: str) -> list[Row]:
        """Active catalog items whose name or short description contains `text`."""
        items = self._catalog("/servicecatalog/items")
        items.parameters.add_custom({"sysparm_text": text, "sysparm_limit": "50"})
        with translated_errors("search the catalog"):
            return cast(list[Row], items.request("GET").all())

    def catalog_item(self, sys_id: str) -> Row:
        path = f"/servicecatalog/items/{check_sys_id(sys_id)}"
        with translated_errors("read the catalog item"):
            return cast(Row, self._catalog(path).request("GET").one())

    def order_now(self, item_sys_id: str, body: Mapping[str, object]) -> Row:
        """Order one catalog item: the instance makes the request, its item and starts the
        item's flow. Answers `request_number`, `request_id` (the sc_request sys_id)."""
        path = f"/servicecatalog/items/{check_sys_id(item_sys_id)}/order_now"
        with translated_errors("order the catalog item"):
            return cast(Row, self._catalog(path).request("POST", json=dict(body)).one())

    def _catalog(self, path: str) -> Any:
        return self._client.resource(api_path=path, base_path=CATALOG_API, timeout=self._timeout_s)

    def close(self) -> None:
        self._client.close()

"""Folder credential stores as the Folders and Credentials plugins serve them.

Each folder has one store (`…/credentials/store/folder/`) with the global domain `_`, holding
secret-text credentials (`StringCredentialsImpl`). Secrets are sealed at rest, `config.xml`
answers with `<secret-redacted/>` in their place, and no answer or error message carries one.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from .sealing import seal, unseal
from .security import ANONYMOUS, JenkinsError
from .store import CREDENTIALS_KEY, FolderCredential, JenkinsStore

STRING_CREDENTIALS = "org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl"
WRAPPER_CLASS = "com.cloudbees.plugins.credentials.CredentialsStoreAction$CredentialsWrapper"
DOMAIN_CLASS = "com.cloudbees.plugins.credentials.CredentialsStoreAction$DomainWrapper"
STORE_PREFIX = ("credentials", "store", "folder", "domain")
GLOBAL_DOMAIN = "_"
_SCOPES = ("GLOBAL", "SYSTEM")
_FORBIDDEN_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PARSE_FAILURE = "java.io.IOException: Failed to parse credential"

Json = dict[str, Any]


@dataclass(frozen=True)
class SecretText:
    id: str
    scope: str
    description: str
    secret: str


def require_view(user: str) -> None:
    """Credentials/View is an administrator's here: anonymous readers never see a store."""
    if user == ANONYMOUS:
        raise JenkinsError(
            403,
            "anonymous is missing the Credentials/View permission",
            {"X-You-Are-Authenticated-As": user},
        )


class FolderCredentials:
    def __init__(self, store: JenkinsStore) -> None:
        self._store = store
        self._key = store.secret(CREDENTIALS_KEY).encode("ascii")

    # ------------------------------------------------------------------ reads

    def domain(self, folder: str) -> Json:
        self._require_folder(folder)
        return {
            "_class": DOMAIN_CLASS,
            "credentials": [self._info(c) for c in self._store.credentials(folder)],
            "description": "Credentials that should be available irrespective of domain "
            "specification to requirements matching.",
            "displayName": "Global credentials (unrestricted)",
            "fullName": f"{folder}/folder/{GLOBAL_DOMAIN}",
            "global": True,
            "urlName": GLOBAL_DOMAIN,
        }

    def info(self, folder: str, credential_id: str) -> Json:
        return self._info(self._require(folder, credential_id))

    def config_xml(self, folder: str, credential_id: str) -> str:
        """As the plugin's SECRETS_REDACTED XStream writes it: the secret left out."""
        credential = self._require(folder, credential_id)
        root = ET.Element(STRING_CREDENTIALS, plugin="plain-credentials@183.va_de8f1dd5a_2b_")
        for tag, value in (
            ("scope", credential.scope),
            ("id", credential.id),
            ("description", credential.description),
        ):
            ET.SubElement(root, tag).text = value
        ET.SubElement(ET.SubElement(root, "secret"), "secret-redacted")
        ET.indent(root)
        return ET.tostring(root, encoding="unicode")

    # ------------------------------------------------------------------ changes

    def create(self, folder: str, body: bytes, content_type: str | None) -> None:
        self._require_folder(folder)
        if not content_type:
            raise JenkinsError(400, "No Content-Type header set")
        if not content_type.startswith(("application/xml", "text/xml")):
            raise JenkinsError(400, "This page expects a form submission")
        credential = self._parse(body)
        with self._store.lock:
            if self._store.credential(folder, credential.id) is not None:
                raise JenkinsError(409, "")
            self._put(folder, credential)

    def update(self, folder: str, credential_id: str, body: bytes) -> None:
        self._require(folder, credential_id)
        credential = self._parse(body)
        if credential.id != credential_id:
            raise JenkinsError(
                500,
                "java.lang.IllegalArgumentException: "
                "Credentials' IDs do not match, will not update.",
            )
        with self._store.lock:
            self._require(folder, credential_id)
            self._put(folder, credential)

    def delete(self, folder: str, credential_id: str) -> None:
        self._require(folder, credential_id)
        if not self._store.delete_credential(folder, credential_id):
            raise JenkinsError(409, "")

    # ------------------------------------------------------------------ helpers

    def _require_folder(self, folder: str) -> None:
        item = self._store.item(folder) if folder else None
        if item is None or not item.config.is_folder:
            raise JenkinsError(404, "Not found")

    def _require(self, folder: str, credential_id: str) -> FolderCredential:
        self._require_folder(folder)
        credential = self._store.credential(folder, credential_id)
        if credential is None:
            raise JenkinsError(404, "Not found")
        return credential

    def _info(self, credential: FolderCredential) -> Json:
        return {
            "_class": WRAPPER_CLASS,
            "description": credential.description,
            "displayName": credential.description or credential.id,
            "fingerprint": None,
            "fullName": f"{credential.folder}/folder/{GLOBAL_DOMAIN}/{credential.id}",
            "id": credential.id,
            "typeName": "Secret text",
        }

    def _put(self, folder: str, credential: SecretText) -> None:
        sealed = seal(self._key, credential.secret)
        self._store.put_credential(
            FolderCredential(
                folder, credential.id, credential.scope, credential.description, sealed
            )
        )

    def _parse(self, document: bytes) -> SecretText:
        """The credential in the document; a value sealed by this instance is unsealed."""
        if _FORBIDDEN_MARKUP.search(document):
            raise JenkinsError(500, _PARSE_FAILURE)
        try:
            # Safe here: DOCTYPE/ENTITY markup, the vector for entity expansion, is refused above.
            root = ET.fromstring(document)  # noqa: S314
        except ET.ParseError:
            raise JenkinsError(500, _PARSE_FAILURE) from None
        if root.tag != STRING_CREDENTIALS:
            raise JenkinsError(
                500, f"com.thoughtworks.xstream.mapper.CannotResolveClassException: {root.tag}"
            )
        scope = (root.findtext("scope") or "GLOBAL").strip()
        if scope not in _SCOPES:
            raise JenkinsError(
                500,
                "com.thoughtworks.xstream.converters.ConversionException: "
                f"No enum constant com.cloudbees.plugins.credentials.CredentialsScope.{scope}",
            )
        secret = root.findtext("secret") or ""
        unsealed = unseal(self._key, secret)
        return SecretText(
            id=root.findtext("id") or str(uuid.uuid4()),
            scope=scope,
            description=root.findtext("description") or "",
            secret=secret if unsealed is None else unsealed,
        )

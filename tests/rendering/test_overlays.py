"""Pinning an environment overlay's image digest: one entry changed, every other line kept."""

from __future__ import annotations

import pytest
import yaml

from landingzone.rendering.overlays import (
    OverlayError,
    current_digest,
    overlay_path,
    pin_digest,
)

IMAGE = "nexus.example.internal:8443/retail/payments-api"
OTHER = "nexus.example.internal:8443/retail/sidecar"
FIRST = "sha256:" + "1" * 64
SECOND = "sha256:" + "a" * 64
UNPROMOTED = f"""\
# Environment prod of payments-api: what the GitOps controller syncs.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: retail-payments-api-prod
bases:
  - ../../base
resources:
  - namespace.yaml  # with its quota
images:
  - name: {OTHER}
    newTag: "1.0"
  - name: {IMAGE}
    newTag: unpromoted
# the end
"""


def test_the_overlay_of_an_environment_is_its_kustomization() -> None:
    assert overlay_path("prod") == "environments/prod/kustomization.yaml"
    for hostile in ("../prod", "prod/x", "", "Prod", "a" * 40):
        with pytest.raises(OverlayError):
            overlay_path(hostile)


def test_an_unpromoted_environment_has_no_digest_and_pinning_replaces_the_tag() -> None:
    assert current_digest(UNPROMOTED, IMAGE) is None
    pinned = pin_digest(UNPROMOTED, IMAGE, FIRST)

    assert current_digest(pinned, IMAGE) == FIRST
    assert pinned == UNPROMOTED.replace("    newTag: unpromoted\n", f"    digest: {FIRST}\n")
    images = yaml.safe_load(pinned)["images"]
    assert images == [{"name": OTHER, "newTag": "1.0"}, {"name": IMAGE, "digest": FIRST}]


def test_a_second_promotion_replaces_the_digest_and_a_replay_changes_nothing() -> None:
    once = pin_digest(UNPROMOTED, IMAGE, FIRST)
    twice = pin_digest(once, IMAGE, SECOND)

    assert current_digest(twice, IMAGE) == SECOND
    assert twice == once.replace(FIRST, SECOND)
    assert pin_digest(twice, IMAGE, SECOND) == twice


def test_an_entry_without_tag_or_digest_gets_a_digest_below_its_name() -> None:
    text = f"images:\r\n- name: {IMAGE}\r\n  newName: registry.example/mirror\r\n"
    pinned = pin_digest(text, IMAGE, FIRST)
    assert pinned == (
        f"images:\r\n- name: {IMAGE}\r\n  digest: {FIRST}\r\n  newName: registry.example/mirror\r\n"
    )


def test_an_entry_whose_first_key_is_the_tag_keeps_its_list_dash() -> None:
    text = f"images:\n  - newTag: unpromoted\n    name: {IMAGE}\n"
    pinned = pin_digest(text, IMAGE, FIRST)
    assert yaml.safe_load(pinned)["images"] == [{"digest": FIRST, "name": IMAGE}]


@pytest.mark.parametrize(
    "digest",
    ["sha256:" + "A" * 64, "sha256:" + "1" * 63, "1.4.2", "latest", "sha512:" + "1" * 64,
     "sha256:" + "1" * 64 + "\nnewTag: x"],
)  # fmt: skip
def test_only_a_sha256_digest_is_pinned(digest: str) -> None:
    with pytest.raises(OverlayError, match="digest"):
        pin_digest(UNPROMOTED, IMAGE, digest)


@pytest.mark.parametrize(
    "text",
    [
        f"images: [{{name: {IMAGE}, newTag: x}}]\n",  # flow style: not edited by hand
        "images:\n  - name: someone-else\n",
        "resources: [a.yaml]\n",
        f"images:\n  - name: {IMAGE}\n  - name: {IMAGE}\n",
        "images: : :\n",
    ],
)
def test_a_kustomization_without_one_block_entry_for_the_image_is_refused(text: str) -> None:
    with pytest.raises(OverlayError):
        pin_digest(text, IMAGE, FIRST)


def test_a_malformed_digest_already_there_is_reported() -> None:
    with pytest.raises(OverlayError, match="malformed digest"):
        current_digest(f"images:\n  - name: {IMAGE}\n    digest: sha256:abc\n", IMAGE)

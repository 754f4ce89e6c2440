"""Create one landing zone in the sandbox and narrate it, so the first run shows the whole path."""

from __future__ import annotations

import json

import httpx

from landingzone_sandbox.layout import SandboxLayout

DEMO_REQUEST = {
    "name": "hello-java",
    "class": "java",
    "owner": "group:default/payments",
    "description": "A first Java service, created by the sandbox demo.",
    "tenant": "labs",
    "requester": {"name": "Demo Developer", "email": "demo.developer@example.com"},
    "system": "payments",
    "parameters": {},
}


def run_demo(layout: SandboxLayout) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {layout.api_token}", "Idempotency-Key": "sandbox-demo"}
    with httpx.Client(base_url=layout.api_url, headers=headers, timeout=30) as client:
        created = client.post("/v1/landing-zones", json=DEMO_REQUEST)
        created.raise_for_status()
        landing_zone = created.json()
        print(f"Landing zone {landing_zone['id']} accepted ({landing_zone['status']})", flush=True)
        final: dict[str, object] = landing_zone
        stream_url = f"/v1/landing-zones/{landing_zone['id']}/events/stream"
        with client.stream("GET", stream_url, timeout=None) as events:
            kind = ""
            for line in events.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = json.loads(line.removeprefix("data: "))
                    if kind == "end":
                        final = data
                    else:
                        print(f"  {data['message']}", flush=True)
    print(f"Landing zone {final['id']} is {final['status']}", flush=True)
    links = final.get("links") or {}
    assert isinstance(links, dict)
    for name, url in links.items():
        print(f"  {name:<24} {url}", flush=True)
    signing_in = "sign in with the operator's token, api.token in sandbox.json"
    print(f"  {'dashboard':<24} {layout.api_url}/ ({signing_in})", flush=True)
    print(f"  {'mailbox':<24} {layout.url(layout.mailbox_port)}", flush=True)
    print(f"  {'approval inbox':<24} {layout.url(layout.servicenow_port)}", flush=True)
    return final

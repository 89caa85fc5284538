"""A client of invoicer's REST face driven only by its OpenAPI document, for the integration
tests (tests/mcp.rs). It loads /openapi.json, validates it as OpenAPI 3.1
(openapi-spec-validator), then calls tools through the operations it finds there, and checks
every request and response against the document (openapi-core). It prints one JSON document.

    openapi_client.py --url BASE [--token T]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_spec_validator import validate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token")
    args = parser.parse_args()
    session = requests.Session()
    if args.token:
        session.headers["Authorization"] = f"Bearer {args.token}"

    document = session.get(f"{args.url}/openapi.json", timeout=30).json()
    validate(document)  # raises on anything that is not valid OpenAPI 3.1
    spec = OpenAPI.from_dict(document)
    operations = {
        op["operationId"]: (path, method)
        for path, item in document["paths"].items()
        for method, op in item.items()
    }

    def call(operation_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        path, method = operations[operation_id]
        request = requests.Request(method.upper(), f"{args.url}{path}", json=body,
                                   headers=dict(session.headers))
        prepared = session.prepare_request(request)
        spec.validate_request(RequestsOpenAPIRequest(prepared))
        response = session.send(prepared, timeout=60)
        spec.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(response))
        return response.status_code, response.json()

    out: dict[str, Any] = {
        "openapi": document["openapi"],
        "operations": len(operations),
        "security": document.get("security"),
    }
    status, profile = call("set_seller_profile", {
        "party": {"name": "REST GmbH", "address_lines": ["Weg 1"], "postcode": "10115",
                  "city": "Berlin", "country_code": "DE", "vat_id": "DE811234567"},
        "payment": {"iban": "DE89 3704 0044 0532 0130 00"},
    })
    out["set_seller_profile"] = [status, profile["party"]["name"]]
    status, draft = call("create_invoice_draft", {
        "issue_date": "2026-11-21",
        "buyer": {"name": "Kunde GmbH", "country_code": "DE"},
        "lines": [{"description": "Beratung", "quantity": "2", "unit_price": "100.00", "vat_rate": "19"}],
    })
    out["create_invoice_draft"] = [status, draft["status"], draft["total_gross"]]
    status, error = call("create_invoice_draft", {"lines": []})
    out["error"] = [status, error["code"], error.get("field")]
    status, error = call("get_invoice", {"id": 4242})
    out["not_found"] = [status, error["code"]]
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the Rust side shows stderr
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)

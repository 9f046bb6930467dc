"""OpenAPI links: where a created record's answer leads (its reading, its change, what hangs
from it), so that a client — and schemathesis' stateful tests — can follow a record from the
request that made it to the requests that use it."""

from __future__ import annotations

from typing import Any

PREFIX = "/api/v1"
INCIDENT = {"reference": "$response.body#/reference"}
SAME_INCIDENT = {"reference": "$request.path.reference"}

# (method, path) of an operation that makes a record, its success status, and for each link the
# (method, path) of an operation it leads to with the values of that operation's parameters.
LINKS: dict[tuple[str, str], tuple[str, dict[str, tuple[str, str, dict[str, str]]]]] = {
    ("post", "/incidents/"): (
        "201",
        {
            "ReadIncident": ("get", "/incidents/{reference}/", INCIDENT),
            "ChangeIncident": ("patch", "/incidents/{reference}/", INCIDENT),
            "ReadTimeline": ("get", "/incidents/{reference}/events/", INCIDENT),
            "AddEvent": ("post", "/incidents/{reference}/events/", INCIDENT),
            "LogRaising": ("post", "/incidents/{reference}/raisings/", INCIDENT),
        },
    ),
    ("post", "/incidents/{reference}/events/"): (
        "201",
        {
            "CorrectEvent": (
                "post",
                "/incidents/{reference}/events/{event_id}/corrections/",
                {**SAME_INCIDENT, "event_id": "$response.body#/id"},
            ),
            "ReadTimeline": ("get", "/incidents/{reference}/events/", SAME_INCIDENT),
        },
    ),
    ("post", "/incidents/{reference}/raisings/"): (
        "201",
        {
            "ReadRaising": ("get", "/raisings/{raising_id}/", {"raising_id": "$response.body#/id"}),
            "ChangeRaising": (
                "patch",
                "/raisings/{raising_id}/",
                {"raising_id": "$response.body#/id"},
            ),
        },
    ),
    ("post", "/raise-list/"): (
        "201",
        {"RemoveEntry": ("delete", "/raise-list/{entry_id}/", {"entry_id": "$response.body#/id"})},
    ),
    ("post", "/reports/"): (
        "201",
        {
            "ReadImportedReport": (
                "get",
                "/reports/{report_id}/",
                {"report_id": "$response.body#/reports/0/id"},
            ),
        },
    ),
    ("post", "/estimate-runs/"): (
        "202",
        {
            "FollowRun": ("get", "/estimate-runs/{run_id}/", {"run_id": "$response.body#/id"}),
            "CancelRun": (
                "post",
                "/estimate-runs/{run_id}/cancel/",
                {"run_id": "$response.body#/id"},
            ),
        },
    ),
}


def documented(schema: Any) -> Any:
    """The schema with the links of every operation that makes a record."""
    paths = schema.get("paths", {})
    for (method, path), (status, links) in LINKS.items():
        operation = paths.get(PREFIX + path, {}).get(method)
        # The generated schema's statuses are numbers until it is written as JSON.
        responses = (operation or {}).get("responses", {})
        answer = responses.get(int(status), responses.get(status))
        if answer is None:
            raise LookupError(f"no {method.upper()} {path} answering {status} to link from")
        documented_links = {}
        for name, (target_method, target_path, parameters) in links.items():
            target = paths.get(PREFIX + target_path, {}).get(target_method)
            if target is None:
                raise LookupError(f"no {target_method.upper()} {target_path} to link to")
            documented_links[name] = {
                "operationId": target["operationId"],
                "parameters": parameters,
            }
        answer["links"] = documented_links
    return schema

"""A Python client of Dozor's JSON API, for notebooks and partners' tools: no Django, only the
standard library (pandas when a DataFrame is asked for).

    from dozor.client import Client

    dozor = Client("https://dozor.example.org", token="dozor_…")
    for incident in dozor.incidents.list(date_from="2024-01-01", date_to="2024-12-31"):
        print(incident.reference, incident.region)

docs/api.md has a worked example.
"""

from dozor.client.client import (
    ApiError,
    Client,
    EstimateRun,
    EstimateRunRow,
    Estimates,
    Exports,
    Import,
    Incident,
    IncidentRow,
    Incidents,
    Linkage,
    MethodResult,
    QuarantinedRecord,
    RateLimited,
    Reports,
    Responses,
    RowProblem,
    Stratum,
)

__all__ = [
    "ApiError",
    "Client",
    "EstimateRun",
    "EstimateRunRow",
    "Estimates",
    "Exports",
    "Import",
    "Incident",
    "IncidentRow",
    "Incidents",
    "Linkage",
    "MethodResult",
    "QuarantinedRecord",
    "RateLimited",
    "Reports",
    "Responses",
    "RowProblem",
    "Stratum",
]

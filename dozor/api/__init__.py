"""Dozor's JSON API (/api/v1/): the web app's services, selectors and rules, for programs.

A request carries a personal API token (``Authorization: Bearer dozor_…``) and acts as the
token's user: the same roles, organisations, confidentiality levels and name grant as in the
web app, narrowed to reading by a token of the ``read`` scope. No query or rule is written here:
each endpoint parses its input, calls the apps' selectors and services, and shapes the answer.
Errors are problem details (RFC 9457) carrying the forms' translated messages.
"""

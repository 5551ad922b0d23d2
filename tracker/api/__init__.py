"""The tracker's REST API, one module per resource family.

Thin: querysets come from the selectors and ``core.policy``, which apply who may see what;
writes go through ``tracker.services``; ``core.api_support`` turns the services' errors into
HTTP responses and handles ETags and ``If-Match``.
"""

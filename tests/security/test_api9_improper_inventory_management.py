"""API9:2023 Improper Inventory Management.

The OpenAPI document is the inventory third parties and generated clients rely on: every
operation the app answers is in it, everything in it is answered, and nothing undocumented
hides beside it except the few operational routes named here. (That the committed
openapi/openapi.json matches the app is tests/test_openapi.py's job.)
"""

from fastapi.routing import APIRoute, iter_route_contexts

from tests.security.support import operations

METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
# Served on purpose outside the document: the documentation itself, and the metrics scrape.
UNDOCUMENTED = {
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/metrics"),
}
# Mounted applications (static files of the offline documentation pages).
MOUNTS = {"/static-offline-docs"}


def test_every_operation_is_documented_and_every_documented_one_exists(app):
    document = app.openapi()
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    answered = {(operation.method, operation.path) for operation in operations(app) if operation.in_schema}
    assert answered == documented
    assert len(documented) >= 60


def test_nothing_undocumented_is_served_but_the_documentation_and_the_metrics(app):
    hidden, mounts = set(), set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            if not context.include_in_schema:
                hidden |= {(method, context.path_format) for method in context.methods - {"HEAD"}}
        elif getattr(context, "methods", None):
            hidden |= {(method, context.path_format) for method in context.methods - {"HEAD"}}
        else:
            mounts.add(context.path)
    assert hidden <= UNDOCUMENTED
    assert mounts <= MOUNTS


def test_every_documented_path_is_versioned(app):
    """One live version of the API: no stray unversioned or old-version paths."""
    paths = set(app.openapi()["paths"])
    assert {path for path in paths if not path.startswith("/v1/")} == set()

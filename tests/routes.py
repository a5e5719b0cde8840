"""Enumerate every URL route that addresses an object by id, with the model behind it."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Parameters that name an object. Others (app_label, format, ...) are not ids.
ID_PARAM_SUFFIXES = ("pk", "id")
# Routes deliberately left out, with the reason.
EXCLUDED = {
    "admin:view_on_site": "redirects to the object's public URL; reveals nothing and changes nothing",
}


@dataclass(frozen=True)
class IdRoute:
    name: str
    pattern: str
    params: tuple[str, ...]
    callback: object
    kind: str  # "page", "api" or "admin"

    @property
    def model(self):
        view_class = getattr(self.callback, "cls", None)
        if view_class is not None and getattr(view_class, "queryset", None) is not None:
            return view_class.queryset.model
        if getattr(self.callback, "tenant_model", None) is not None:
            return self.callback.tenant_model
        wrapped = getattr(self.callback, "__wrapped__", None)
        model_admin = getattr(wrapped, "__self__", None)
        if model_admin is not None and hasattr(model_admin, "model"):
            return model_admin.model
        view_class = getattr(self.callback, "view_class", None)
        return getattr(view_class, "tenant_model", None)

    def url_kwargs(self, obj) -> dict:
        custom = getattr(self.callback, "tenant_url_kwargs", None) or getattr(
            getattr(self.callback, "cls", None), "tenant_url_kwargs", None)
        if custom is not None:
            return custom(obj)
        return {param: obj.pk for param in self.params}


def _is_id_param(name: str) -> bool:
    return name.endswith(ID_PARAM_SUFFIXES)


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def id_routes() -> list[IdRoute]:
    routes = []
    for pattern, name, entry in _walk(get_resolver().url_patterns):
        params = tuple(entry.pattern.regex.groupindex)
        id_params = tuple(p for p in params if _is_id_param(p))
        if not name or name.endswith(":None"):
            continue  # unnamed routes (the admin's bare <id>/ redirect to <id>/change/) can't be reversed
        if not id_params or name in EXCLUDED or "(?P<format>" in entry.pattern.regex.pattern:
            continue
        kind = "api" if pattern.startswith("api/") else "admin" if pattern.startswith("admin/") else "page"
        routes.append(IdRoute(name=name or pattern, pattern=pattern, params=params, callback=entry.callback,
                              kind=kind))
    return routes

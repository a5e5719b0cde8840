from django import template

register = template.Library()


@register.filter
def count_or_dash(value, when_none="—"):
    """A count with thousands separators; NULL (hidden likes, disabled comments) is named, not 0."""
    if value is None:
        return when_none
    return f"{int(value):,}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None

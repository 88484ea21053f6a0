from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ mapping|get_item:key }}``: a dict lookup with a variable key (empty when missing)."""
    if mapping is None:
        return ""
    return mapping.get(key, key) if hasattr(mapping, "get") else ""

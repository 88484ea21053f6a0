from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ mapping|get_item:key }}``: a dict lookup with a variable key (empty when missing)."""
    if mapping is None or not hasattr(mapping, "get"):
        return ""
    return mapping.get(key, "")


@register.filter
def label_of(mapping: Any, key: Any) -> Any:
    """``{{ labels|label_of:code }}``: the label of a code, or the code itself when unknown."""
    if mapping is None or not hasattr(mapping, "get"):
        return key
    return mapping.get(key, key)


SUBNAV: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("home", "总览", "stars:home", ("stars.view",)),
    ("queue", "审核", "stars:queue", ("stars.rate", "stars.approve")),
    ("notice", "公示", "stars:notice", ()),
    ("lists", "名单", "stars:lists", ("stars.view",)),
    ("weak", "软弱涣散", "stars:weak", ("stars.view",)),
    ("county", "县级总览", "stars:county", ("stars.approve", "stars.supervise")),
    ("visits", "督导", "stars:visits", ("stars.view",)),
    ("tasks", "整改", "stars:tasks", ("stars.view",)),
    ("criteria", "标准", "stars:criteria", ("stars.view",)),
]


@register.inclusion_tag("stars/_subnav.html", takes_context=True)
def stars_nav(context: Any, active: str) -> dict[str, Any]:
    """The module's own menu, showing only the pages the user has (others would be 404)."""
    user = context["request"].user
    links = [
        (key, label, url)
        for key, label, url, perms in SUBNAV
        if not perms or any(user.has_perm_anywhere(p) for p in perms)
    ]
    return {"links": links, "active": active}

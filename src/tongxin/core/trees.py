"""A registry of the trees that grants can be placed on (region, party organisation).

``core`` and ``accounts`` must not import the ``orgs`` app, yet a grant names a node of its trees;
``orgs`` registers its tree models here when it loads.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongxin.core.models import TreeNode


@dataclass(frozen=True)
class Tree:
    name: str
    label: str
    model: type[TreeNode]


_TREES: dict[str, Tree] = {}


def register(name: str, label: str, model: type[TreeNode]) -> None:
    _TREES[name] = Tree(name=name, label=label, model=model)


def get(name: str) -> Tree:
    try:
        return _TREES[name]
    except KeyError:
        raise KeyError(f"未知的树：{name}") from None


def all_trees() -> list[Tree]:
    return list(_TREES.values())


def tree_of(node: TreeNode) -> str:
    for tree in _TREES.values():
        if isinstance(node, tree.model):
            return tree.name
    raise KeyError(f"{type(node).__name__} 不是已登记的树节点")

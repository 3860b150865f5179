"""Root the FastTree tree at its midpoint, as UniFrac in scikit-bio needs."""

from __future__ import annotations

import io
import os

from skbio import TreeNode

from otuflow.atomic import atomic_path


def midpoint_root(newick: str) -> TreeNode:
    """Root a tree at the midpoint of its longest tip-to-tip path, with a bifurcating root.

    scikit-bio's UniFrac treats a tree as rooted only when the root has exactly two children;
    an unrooted FastTree tree has three at its root.

    Parameters
    ----------
    newick : str
        The tree in Newick format.

    Returns
    -------
    skbio.TreeNode
        The rooted tree.
    """
    tree = TreeNode.read(io.StringIO(newick), convert_underscores=False)
    if tree.count(tips=True) < 3:
        # Two tips: already a rooted pair; give missing branch lengths a value.
        for node in tree.traverse(include_self=False):
            node.length = node.length or 0.0
        return tree
    return tree.root_at_midpoint(reset=True, branch_attrs=[])


def write_midpoint_rooted(in_tree: str | os.PathLike, out_tree: str | os.PathLike) -> TreeNode:
    """Read a Newick file, root it at the midpoint and write it (atomically).

    Parameters
    ----------
    in_tree, out_tree : path-like
        Input (unrooted) and output (rooted) Newick files.

    Returns
    -------
    skbio.TreeNode
        The rooted tree.
    """
    with open(in_tree) as handle:
        tree = midpoint_root(handle.read())
    with atomic_path(out_tree) as tmp:
        tree.write(str(tmp), format="newick")
    return tree

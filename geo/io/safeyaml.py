"""YAML from outside, loaded safely and within budgets.

Every YAML that ``geo`` reads (registries, user site files, corrections, document front
matter) comes from someone else, so it goes through one funnel:

* **Safe constructors only** (:class:`yaml.SafeLoader`): no Python objects, ever.
* **A size budget**: a file larger than :data:`MAX_YAML_BYTES` is refused before parsing
  (a 100 MB registry took ten minutes and 6 GB before this existed).
* **A depth budget**: nesting deeper than :data:`MAX_DEPTH` is refused while composing,
  before PyYAML's recursive composer can exhaust the stack.
* **An expansion budget**: aliases let 633 bytes stand for billions of values (the
  "billion laughs"). The composed graph is measured *as if expanded*, in linear time
  over its shared nodes, and refused past :data:`MAX_NODES` values, before any
  constructor or validator walks it.

A breach raises :class:`YAMLBudgetError`, a :class:`yaml.YAMLError` with a mark, so
callers report it as they report any invalid YAML: with the file and the line.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_YAML_BYTES", "BudgetLoader", "YAMLBudgetError", "load"]

#: Largest YAML text accepted (bytes of UTF-8). The curated registry is far below this.
MAX_YAML_BYTES = 16 * 1024 * 1024
#: Deepest nesting of mappings and sequences accepted.
MAX_DEPTH = 64
#: Most values a document may hold once its aliases are expanded.
MAX_NODES = 2_000_000


class YAMLBudgetError(yaml.MarkedYAMLError):
    """A YAML text over one of the budgets (size, depth, expanded values)."""


class BudgetLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` that enforces :data:`MAX_DEPTH` and :data:`MAX_NODES`.

    Subclass it (as the registry loader does) to add constructors; the budgets apply to
    every document it composes.
    """

    max_depth = MAX_DEPTH
    max_nodes = MAX_NODES

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, refusing nesting deeper than :attr:`max_depth`."""
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                problem = f"nested deeper than {self.max_depth} levels"
                raise YAMLBudgetError(None, None, problem, mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Any:
        """Compose the document and refuse it if its aliases expand past the budget."""
        node = super().get_single_node()
        if node is not None:
            _check_expansion(node, self.max_nodes)
        return node


def _check_expansion(root: yaml.Node, budget: int) -> None:
    """Raise when *root* would hold more than *budget* values with aliases expanded.

    Aliases make the node graph a DAG with shared children; the expanded size of a node
    is one plus that of its children, computed once per node (post-order, iterative).
    """
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in size and not done:
            continue
        children = _children(node)
        if not done:
            size[key] = -1  # in progress: a cycle (recursive alias) counts as over budget
            stack.append((node, True))
            for child in children:
                if size.get(id(child)) == -1:
                    raise YAMLBudgetError(None, None, "a recursive alias", child.start_mark)
                if id(child) not in size:
                    stack.append((child, False))
            continue
        total = 1
        for child in children:
            total += size[id(child)]
            if total > budget:
                problem = f"expands to more than {budget:,} values (aliases)"
                raise YAMLBudgetError(None, None, problem, node.start_mark)
        size[key] = total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_size(text: str, name: str) -> None:
    """Raise :class:`YAMLBudgetError` when *text* exceeds :data:`MAX_YAML_BYTES`."""
    if len(text) > MAX_YAML_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        problem = f"{name} is larger than {MAX_YAML_BYTES // (1024 * 1024)} MB"
        raise YAMLBudgetError(None, None, problem, None)


def load(text: str, *, name: str = "<yaml>", loader: type[BudgetLoader] = BudgetLoader) -> Any:
    """Parse one YAML document from *text* safely within every budget."""
    check_size(text, name)
    instance = loader(text)
    try:
        return instance.get_single_data()
    finally:
        instance.dispose()


class LineMap(dict[Any, Any]):
    """A YAML mapping that remembers the (1-based) line where it starts."""

    line: int = 1


class LineLoader(BudgetLoader):
    """A budgeted safe loader whose mappings are :class:`LineMap` (for messages)."""


def _line_mapping(loader: LineLoader, node: yaml.MappingNode) -> Any:
    data = LineMap()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _line_mapping)


def load_with_lines(text: str, name: str) -> Any:
    """Parse *text* like :func:`load`; mappings are :class:`LineMap` with their line.

    Raises :class:`geo.errors.DataError` naming *name* and the line for malformed YAML
    or a text over budget.
    """
    from geo.errors import DataError

    try:
        return load(text, name=name, loader=LineLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{mark.line + 1}:" if mark is not None else ""
        msg = f"{name}:{where} invalid YAML: {err.problem or err}"
        raise DataError(msg, problems=[msg]) from err
    except (yaml.YAMLError, RecursionError) as err:
        msg = f"{name}: invalid YAML: {err}"
        raise DataError(msg, problems=[msg]) from err

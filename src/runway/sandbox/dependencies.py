"""The load order of resources, computed from the spec's references (the ``/metadata/data/v3/dependencies`` list).

Rules (as ODS/API's dependency metadata behaves, ``docs/sandbox.md``):

* descriptors and ``schoolYearTypes`` come first (order 1);
* every other resource comes after everything it references, including references inside nested
  collections; a reference to an abstract type (``educationOrganization``) depends on all its members;
* references that form cycles (the model has optional, circular ones) cannot all be honoured: resources
  in one cycle share an order;
* orders are consecutive integers by level.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from runway.sandbox.spec import Catalog, Resource


def _referenced(catalog: Catalog, schema_name: str, seen: set[str]) -> Iterator[Resource]:
    if schema_name in seen:
        return
    seen.add(schema_name)
    for plan in catalog.plan(schema_name):
        if plan.kind == "reference" and plan.reference is not None:
            for target, _ in catalog.reference_targets(plan.reference):
                yield target
        elif plan.child is not None:
            yield from _referenced(catalog, plan.child, seen)


def dependency_graph(catalog: Catalog) -> dict[str, set[str]]:
    """Route → routes it depends on (self-references left out)."""
    graph: dict[str, set[str]] = {}
    for resource in catalog.resources.values():
        deps = {t.route for t in _referenced(catalog, resource.schema_name, set())}
        deps.discard(resource.route)
        graph[resource.route] = deps
    return graph


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative), dependencies before dependents."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    return result


def dependency_order(catalog: Catalog) -> list[dict[str, object]]:
    """The dependencies document: ``[{"resource", "order", "operations"}]`` sorted by order, then name."""
    graph = dependency_graph(catalog)
    first = {r.route for r in catalog.resources.values() if r.is_descriptor or r.endpoint == "schoolYearTypes"}
    level: dict[str, int] = {}
    for component in _components(graph):
        members = set(component)
        if members <= first:
            for route in component:
                level[route] = 1
            continue
        deps = {d for route in component for d in graph[route]} - members
        value = max([2, *(level.get(d, 1) + 1 for d in deps)])
        for route in component:
            level[route] = value
    return [
        {"resource": route, "order": level[route], "operations": ["Create", "Update"]}
        for route in sorted(level, key=lambda r: (level[r], r))
    ]


def as_graphml(order: list[dict[str, object]], graph: dict[str, set[str]]) -> bytes:
    """The dependency graph in GraphML (``Accept: application/graphml``)."""
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    element = ET.SubElement(root, "graph", id="EdFi Dependencies", edgedefault="directed")
    for row in order:
        ET.SubElement(element, "node", id=str(row["resource"]))
    for source in sorted(graph):
        for target in sorted(graph[source]):
            ET.SubElement(element, "edge", source=target, target=source)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document

"""`screening report links`: the inmate-number graph around a starting
point. An inmate and a number are linked when the inmate registered the
number (the allowlist now) or called it (the decision log); the graph grows
breadth-first, one link a hop, up to `hops` from the start and `max_nodes`
nodes, each hop by the indexes (an inmate's calls, a number's callers, an
allowlist's inmate and number), never by a scan of the log.

Privileged numbers and privileged calls are never part of the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from screening.domain.entries import AllowlistEntry
from screening.domain.errors import InvalidEntry
from screening.domain.numbers import parse_list_number
from screening.service.ports import DecisionLog, DecisionQuery, Store, StoreError
from screening.service.reports import Report, Table, number_query, privileged_numbers, recorded

MAX_HOPS = 4
MAX_NODES = 500
INMATE, NUMBER = "inmate", "number"
NODE_COLUMNS = ("kind", "node", "hops")
EDGE_COLUMNS = ("inmate", "number", "registered_as", "calls", "last_call_at")

Node = tuple[str, str]  # (INMATE or NUMBER, its id or E.164)


@dataclass
class Link:
    names: list[str] = field(default_factory=list)  # what the inmate registered the number as
    calls: int = 0
    last_at: float | None = None


@dataclass
class Graph:
    start: Node
    hops: dict[Node, int] = field(default_factory=dict)  # each node's distance from the start
    links: dict[tuple[str, str], Link] = field(default_factory=dict)  # (inmate, number) -> link
    truncated: bool = False


def links(store: Store, log: DecisionLog, region: str, number: str = "", inmate: str = "", hops: int = 2,
          since: float | None = None, max_nodes: int = MAX_NODES) -> Report:
    if bool(number) == bool(inmate):
        raise StoreError("report links: give --number or --inmate, one of them")
    if not 1 <= hops <= MAX_HOPS:
        raise StoreError(f"--hops: {hops} is not between 1 and {MAX_HOPS}")
    privileged = privileged_numbers(store)
    start = (NUMBER, _number(number, region, privileged)) if number else (INMATE, inmate.strip())
    graph = _walk(store, log, start, hops, since, max_nodes, privileged)
    note = (f"cut at {max_nodes} nodes: nodes at the edge were not followed; start closer or with fewer --hops"
            if graph.truncated else "")
    nodes = [{"kind": kind, "node": name, "hops": distance}
             for (kind, name), distance in sorted(graph.hops.items(), key=lambda item: (item[1], item[0]))]
    edges = [{"inmate": who, "number": what, "registered_as": " / ".join(link.names), "calls": link.calls,
              "last_call_at": link.last_at} for (who, what), link in sorted(graph.links.items())]
    filters = {"number": start[1] if number else "", "inmate": start[1] if inmate else "", "hops": hops,
               "since": since}
    return Report("links", filters, [Table("nodes", NODE_COLUMNS, nodes), Table("links", EDGE_COLUMNS, edges, note)])


def _number(text: str, region: str, privileged: frozenset[str]) -> str:
    try:
        e164 = parse_list_number(text, region).e164
    except InvalidEntry as error:
        raise StoreError(f"--number: {error}") from None
    if e164 in privileged:
        raise StoreError("--number: a privileged number: it is in no report")
    return e164


def _walk(store: Store, log: DecisionLog, start: Node, hops: int, since: float | None, max_nodes: int,
          privileged: frozenset[str]) -> Graph:
    graph = Graph(start, {start: 0})
    frontier = [start]
    for distance in range(1, hops + 1):
        following = []
        for node in frontier:
            for neighbour, key, link in _neighbours(store, log, node, since, privileged):
                if neighbour not in graph.hops:
                    if len(graph.hops) >= max_nodes:
                        graph.truncated = True
                        continue  # neither the node nor its link
                    graph.hops[neighbour] = distance
                    following.append(neighbour)
                graph.links[key] = link  # the same link seen from either end is the same
        frontier = following
    return graph


def _neighbours(store: Store, log: DecisionLog, node: Node, since: float | None, privileged: frozenset[str]):
    """(neighbour, (inmate, number), link) of every link at a node."""
    kind, name = node
    found: dict[tuple[str, str], Link] = {}
    if kind == INMATE:
        registered = store.entries(AllowlistEntry, inmate_id=name)
        calls = log.search(DecisionQuery(inmate=name, since=since))
    else:
        registered = store.entries(AllowlistEntry, number=name)
        calls = log.search(number_query(name, since))
    for entry in registered:
        if entry.number not in privileged:
            found.setdefault((entry.inmate_id, entry.number), Link()).names.append(entry.name)
    for decision in recorded(calls, privileged):
        link = found.setdefault((decision["inmate_id"], decision["normalized_number"]), Link())
        link.calls += 1
        link.last_at = decision["at"] if link.last_at is None else max(link.last_at, decision["at"])
    for (inmate, number), link in sorted(found.items()):
        yield ((NUMBER, number) if kind == INMATE else (INMATE, inmate)), (inmate, number), link

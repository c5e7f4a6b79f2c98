"""The model's directed graph (core/digraph.py): what the network and the custody map ask of it."""

from __future__ import annotations

import pytest

from bridgelab.core.digraph import DiGraph


def test_an_edge_added_again_keeps_its_attribute_dict_and_updates_it():
    graph = DiGraph()
    graph.add_edge("a", "b", latency=1.0, loss=0.0)
    held = graph.get_edge_data("a", "b")  # the network keeps this dict for its sends
    graph.add_edge("a", "b", loss=0.5)
    assert graph.get_edge_data("a", "b") is held
    assert held == {"latency": 1.0, "loss": 0.5}
    assert graph.edges["a", "b"] is held


def test_edges_are_directed_and_absent_ones_are_told_apart():
    graph = DiGraph()
    graph.add_node("c", role="validator")
    graph.add_edge("a", "b")
    assert graph.has_edge("a", "b") and not graph.has_edge("b", "a")
    assert not graph.has_edge("c", "a") and not graph.has_edge("zz", "a")
    assert graph.get_edge_data("b", "a") is None and graph.get_edge_data("zz", "a") is None
    with pytest.raises(KeyError):
        graph.edges["b", "a"]
    with pytest.raises(KeyError):
        graph.successors("zz")
    assert "a" in graph and "b" in graph and "c" in graph and len(graph) == 3


def test_successors_come_in_the_order_their_edges_were_added():
    graph = DiGraph()
    for target in ("m", "b", "z", "a", "b"):
        graph.add_edge("x", target)
    assert list(graph.successors("x")) == ["m", "b", "z", "a"]
    assert list(graph.successors("a")) == []

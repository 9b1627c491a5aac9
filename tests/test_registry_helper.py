"""Every registry (methods, network kinds, reducers) is a noiseprune.registry.Registry:
the same get/names verbs and the same one-line error for an unknown name."""

import pytest

from noiseprune import methods, networks
from noiseprune.trained import reducers
from noiseprune.registry import Registry


def test_registry_keeps_order_and_refuses_a_second_registration():
    reg = Registry("colour")
    reg.add("red", 1)
    reg.add("blue", 2)
    assert reg.names() == ("red", "blue") and reg.get("blue") == 2 and "red" in reg
    with pytest.raises(ValueError, match=r"^colour 'red' is registered twice$"):
        reg.add("red", 3)
    reg.remove("red")
    assert reg.names() == ("blue",)


@pytest.mark.parametrize(
    "module, what, unknown",
    [(methods, "method", "nosie"), (networks, "network kind", "ring"), (reducers, "reducer", "prune")],
)
def test_each_registry_answers_an_unknown_name_with_one_line_listing_the_known(module, what, unknown):
    known = module.names()
    assert known and all(module.get(name) is not None for name in known)
    with pytest.raises(ValueError) as err:
        module.get(unknown)
    message = str(err.value)
    assert message == f"unknown {what} {unknown!r}; known: " + ", ".join(map(repr, known))
    assert "\n" not in message

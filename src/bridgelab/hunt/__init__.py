"""Search for attacks: a Hypothesis state machine that shrinks what it finds, and the
cheapest set of entities to compromise."""

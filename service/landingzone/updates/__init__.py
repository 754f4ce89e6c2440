"""Template updates: a landing zone brought to a newer version of its class's template through
a pull request (models, store, describe, steps, workflows, service)."""

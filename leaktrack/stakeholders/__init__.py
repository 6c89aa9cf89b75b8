"""Affected people: the stakeholder registry, imports, links to incidents, retention."""

"""Append-only audit events forming a hash chain."""

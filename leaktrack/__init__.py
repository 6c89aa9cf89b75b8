"""leaktrack: incident and data-leak response tracker."""

"""Executive summaries: the incident one-pager, the portfolio dashboard, exports, the digest."""

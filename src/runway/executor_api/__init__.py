"""The executor callback API (runway-app.md §2.3; contract in docs/executor-contract.md)."""

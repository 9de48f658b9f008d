"""Hootsuite, the system of record for publishing: exports dropped in the inbox and the REST API."""

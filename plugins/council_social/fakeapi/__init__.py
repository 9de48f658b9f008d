"""A local stand-in for X, the Facebook/Instagram Graph API and Hootsuite, serving the demo council.

``make demo`` and the tests point the pipelines here instead of the real platforms: one process on
127.0.0.1, the real paths, parameters, paging and error bodies, and switches to make it misbehave
(rate limits, server errors, expired tokens, retired metrics). See ``server.py``.
"""

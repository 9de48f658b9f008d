"""The demo council: Manchester City Council's published accounts with seeded synthetic people and activity.

``make demo``, the fake platform API server and the end-to-end tests all read the same organisation,
so a finding in a demo report can always be traced back to the line here that planted it.
"""

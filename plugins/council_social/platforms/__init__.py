"""Platform connectors: what actually happened on each social media platform, fetched through its API."""

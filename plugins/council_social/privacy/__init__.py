"""UK GDPR for listening data: retention that runs by itself, erasure that reaches every copy.

* ``catalogue``: where people appear (``config/personal_data.yaml``): tables, columns, landing folders.
* ``identity``: who an erasure request is about, the keyed hash the log keeps, and text redaction.
* ``files``: reading and rewriting landed files (gzip JSON lines, CSV, XLSX, ZIP) in place.
* ``retention``: ``enforce_retention`` deletes mention text and landed pages past the retention period.
* ``erasure``: ``erase_author`` removes one person from the warehouse and the landing zone.
* ``copies``: finds the person in sent emails and archived reports, which are listed, not edited.
"""

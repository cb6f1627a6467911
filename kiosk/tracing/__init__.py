"""Contact tracing, shared by the kiosk and the server: scans become visits (presence intervals), a case's
visits meet other people's visits, and the answer is written the same way everywhere.

Pure functions over plain values: no SQL, no Qt. Each side reads scans and visits from its own database.
"""

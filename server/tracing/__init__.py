"""Contact tracing on the server: visits built from the stored entries (builder), each location's rules for
ending a visit (locations), the trace itself (query) and the record of every trace asked (audit).

The rules of visits and overlaps are the kiosk's own (kiosk.tracing); this package reads and writes them in
the server's database, where every station's entries meet.
"""

"""Meetings, conferences and trainings: the parts the kiosk and the server share (pure, no database).

- `keys`: the person keys a participant is listed by (ID number, phone, badge).
- `roster`: a participant as a station holds them: a door tag per person key and a card (masked name,
  organisation, seat) that opens only with that person key.
- `plan`: the station config's "meetings" part: the sessions this station checks in for and their rosters.
- `badge_code`: the printed badge's signed QR (`MB1:`), issued by the server, verified offline at the door.
"""
